package io.github.xlsnap.examples;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import java.nio.file.Path;

/** The embedding sample quoted in README.md (a test keeps the two identical). */
public final class EmbeddingExample {
  private EmbeddingExample() {}

  /**
   * Takes a snapshot, reverts to it and deletes it.
   *
   * @param hypervisor the host, e.g. {@code SimulatedHypervisor.open(dir)}
   * @param dataRoot where memory images go
   * @return the snapshot that was taken
   */
  public static Snapshot snapshotRevertDelete(Hypervisor hypervisor, Path dataRoot) {
    // README:begin
    SnapshotManager manager = SnapshotManager.builder(hypervisor, new InMemorySnapshotStore(dataRoot)).build();
    DomainSelector vm = DomainSelector.parse("demo");           // a name, UUID or domid, as xl takes it

    Snapshot before = manager.create(vm, CreateSpec.builder()
        .name("before-upgrade")
        .description("taken by the upgrade job")
        .live(true)                                               // keep the guest running while RAM is saved
        .build());

    // ... the upgrade goes wrong ...
    manager.revert(vm, before.name(), RevertOptions.DEFAULTS);   // running or paused, as when taken
    manager.delete(vm, before.name(), DeleteMode.MERGE);
    // README:end
    return before;
  }
}
