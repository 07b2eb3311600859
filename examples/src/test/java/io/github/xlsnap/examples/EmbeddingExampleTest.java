package io.github.xlsnap.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding sample runs as written against the simulated host. */
class EmbeddingExampleTest {
  @TempDir Path dir;

  @Test
  void sampleTakesRevertsAndDeletesASnapshot() {
    try (SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host"))) {
      host.createDomain(SimDomainSpec.of("demo", 64 * 1024, SimDiskSpec.qcow2("xvda", 1 << 20)));
      Snapshot taken = EmbeddingExample.snapshotRevertDelete(host, dir.resolve("snapshots"));
      assertThat(taken.name()).isEqualTo("before-upgrade");
      assertThat(taken.live()).isTrue();
      assertThat(taken.disk("xvda").orElseThrow().format()).isEqualTo(DiskFormat.QCOW2);
      assertThat(taken.memoryImage().orElseThrow()).doesNotExist(); // deleted with the snapshot
      assertThat(host.find(io.github.xlsnap.core.DomainSelector.byName("demo")).orElseThrow().state().running())
          .isTrue();
    }
  }
}
