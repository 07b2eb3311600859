package io.github.xlsnap.benchmarks;

import io.github.xlsnap.cfg.XlConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P5, warm: {@link XlConfig#parse} of an xl config file, the same file that libxlutil's C parser
 * ({@code benchmarks/src/main/c/xlu-parse.c}) reads in the same run of {@code scripts/bench-peers.sh}.
 * The file is read once; only the parse is timed.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class ParseBenchmark {
  /** The config file to parse (required: {@code -p file=...}). */
  @Param("")
  public String file;

  private String text = "";

  /**
   * Reads the file.
   *
   * @throws IOException if it cannot be read
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    if (file.isEmpty()) {
      throw new IllegalArgumentException("give the config file with -p file=<path>");
    }
    text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
  }

  /**
   * Parses the file's text.
   *
   * @return the parsed config, so that the work is not optimised away
   */
  @Benchmark
  public XlConfig parse() {
    return XlConfig.parse(text, file);
  }
}
