package io.github.xlsnap.cfg.bench;

import io.github.xlsnap.cfg.DomainXlConfig;
import io.github.xlsnap.cfg.XlConfig;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * How long a 1 MiB realistic xl configuration ({@link RealisticConfig}) takes to parse: warm (JIT
 * compiled, the average over many parses) and cold (the first parse in a fresh JVM, as the CLI does).
 * Run with {@code scripts/bench.sh}; results in {@code cfg-parser/BENCHMARKS.md}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx512m")
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class XlConfigBenchmark {
  /** The size of the configuration: 1 MiB. */
  public static final int SIZE = 1 << 20;

  private String text;

  /** Generates the configuration once and checks that it parses to what the benchmark expects. */
  @Setup
  public void setUp() {
    text = RealisticConfig.generate(SIZE);
    DomainXlConfig d = DomainXlConfig.of(XlConfig.parse(text, "bench.cfg"));
    if (d.disks().size() < 1000) {
      throw new IllegalStateException("the generated config has too few disks: " + d.disks().size());
    }
  }

  /**
   * Parses the text into statements and final values.
   *
   * @return the configuration
   */
  @Benchmark
  public XlConfig parse() {
    return XlConfig.parse(text, "bench.cfg");
  }

  /**
   * Parses the text and reads it as a domain's xl.cfg, every disk spec included.
   *
   * @return the domain description
   */
  @Benchmark
  public DomainXlConfig parseDomain() {
    return DomainXlConfig.of(XlConfig.parse(text, "bench.cfg"));
  }

  /**
   * The first parse in a fresh JVM: interpreted and JIT-compiling code, as a one-shot CLI run sees it.
   *
   * @return the configuration
   */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @Fork(value = 10, jvmArgsAppend = "-Xmx512m")
  @Warmup(iterations = 0)
  @Measurement(iterations = 1)
  public XlConfig parseCold() {
    return XlConfig.parse(text, "bench.cfg");
  }
}
