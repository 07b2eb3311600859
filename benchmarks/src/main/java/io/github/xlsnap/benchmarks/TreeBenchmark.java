package io.github.xlsnap.benchmarks;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.store.JsonSnapshotStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * P1, warm: {@code snapshot-list --tree} through the public API, {@link SnapshotManager#tree} of a
 * domain whose snapshots form one chain of {@code snapshots} (10,000 by default), then its
 * topological order (what the tree listing prints), on a simulated host with a JSON store. The
 * metadata is written directly ({@link Chains}), not by creating snapshots.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn")
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
public class TreeBenchmark {
  /** The number of snapshots in the chain. */
  @Param("10000")
  public int snapshots;

  private Path directory;
  private SimulatedHypervisor host;
  private SnapshotManager manager;
  private final DomainSelector web = DomainSelector.parse("web");

  /**
   * Creates the host, its domain and the chain.
   *
   * @throws IOException if the temporary directory cannot be made
   */
  @Setup(Level.Trial)
  public void setUp() throws IOException {
    directory = Files.createTempDirectory("xlsnap-tree-bench");
    host = SimulatedHypervisor.open(directory.resolve("host"));
    DomainRef domain = host.createDomain(SimDomainSpec.of("web", 1 << 16, SimDiskSpec.qcow2("xvda", 1 << 20)));
    JsonSnapshotStore store = JsonSnapshotStore.open(directory.resolve("host/snapshots"));
    store.save(Chains.chain(domain.uuid(), snapshots, "xvda"));
    manager = SnapshotManager.builder(host, store).build();
  }

  /**
   * Closes the host and deletes its directory.
   *
   * @throws IOException if a file cannot be deleted
   */
  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    host.close();
    MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
  }

  /**
   * The tree of the domain's snapshots, listed in topological order.
   *
   * @return the names, so that the work is not optimised away
   */
  @Benchmark
  public List<String> listTree() {
    return manager.tree(web).topologicalOrder();
  }
}
