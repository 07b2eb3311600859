package io.github.xlsnap.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.SnapshotTree;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The manager over the durable store and the simulated host: what it writes survives a restart. */
class ManagerWithStoreTest {
  @TempDir Path tmp;

  @Test
  void aLifecycleSurvivesReopeningTheStoreAndTheManager() {
    Path storeDir = tmp.resolve("snapshots");
    DomainRef ref;
    try (SimulatedHypervisor host = SimulatedHypervisor.open(tmp.resolve("host"))) {
      ref = host.createDomain(SimDomainSpec.of("vm", SimulatedHypervisor.PAGE_SIZE * 4,
          SimDiskSpec.qcow2("xvda", 1 << 20)));
      SnapshotManager manager = SnapshotManager.builder(host, JsonSnapshotStore.open(storeDir)).build();
      DomainSelector vm = DomainSelector.parse("vm");
      manager.create(vm, CreateSpec.builder().name("base").build());
      manager.create(vm, CreateSpec.builder().name("v2").build());
      manager.revert(vm, "base", RevertOptions.DEFAULTS);
      manager.create(vm, CreateSpec.builder().name("branch").live(true).build());
      manager.delete(vm, "v2", DeleteMode.MERGE);
    }
    try (SimulatedHypervisor host = SimulatedHypervisor.open(tmp.resolve("host"))) {
      JsonSnapshotStore store = JsonSnapshotStore.open(storeDir);
      SnapshotManager manager = SnapshotManager.builder(host, store).build();
      SnapshotTree tree = manager.tree(DomainSelector.parse("vm"));
      assertThat(tree.topologicalOrder()).containsExactly("base", "branch");
      assertThat(tree.parent("branch")).contains("base");
      assertThat(tree.current()).contains("branch");
      assertThat(store.check(ref.uuid())).isEmpty();
      assertThat(store.snapshotFile(ref.uuid(), "branch")).isRegularFile();
      assertThat(store.dataDirectory(ref.uuid()).resolve("branch.memory")).isRegularFile();
      manager.delete(DomainSelector.parse("vm"), "base", DeleteMode.CHILDREN);
      assertThat(store.domains()).isEmpty();
      assertThat(store.check(ref.uuid())).isEmpty();
    }
  }

  @Test
  void checkStaysCleanThroughALongLifecycleOfCreatesRevertsAndMergeDeletes() {
    try (SimulatedHypervisor host = SimulatedHypervisor.open(lifecycleDir.resolve("host"))) {
      DomainRef ref = host.createDomain(SimDomainSpec.of("vm", 64 * 1024, SimDiskSpec.qcow2("xvda", 1 << 20)));
      JsonSnapshotStore store = JsonSnapshotStore.open(lifecycleDir.resolve("snapshots"));
      SnapshotManager manager = SnapshotManager.builder(host, store).build();
      java.util.Random random = new java.util.Random(1);
      StringBuilder done = new StringBuilder();
      for (int i = 0; i < 60; i++) {
        done.append(StoreChildProcess.lifecycleStep(manager, DomainSelector.byName("vm"), random, "s" + i))
            .append('\n');
        assertThat(store.check(ref.uuid())).as(done.toString()).isEmpty();
      }
    }
  }

  @TempDir Path lifecycleDir;
}
