package io.github.xlsnap.examples;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.store.JsonSnapshotStore;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Embedding the manager with the durable JSON store: metadata survives the process, in
 * {@code <root>/<domain-uuid>/snapshotdata-<name>.libxl-json}, and another process (or the
 * {@code xlsnap} command) sees it.
 */
public final class JsonStoreExample {
  private JsonStoreExample() {}

  /**
   * Takes a snapshot with one manager, and reads it back with another, as a second process would.
   *
   * @param hypervisor the host
   * @param root the store's root directory (in production {@link JsonSnapshotStore#DEFAULT_ROOT})
   * @param domain the domain
   * @return the snapshot as the second manager sees it
   */
  public static Optional<Snapshot> takeAndReadBack(Hypervisor hypervisor, Path root, DomainSelector domain) {
    SnapshotManager writer = SnapshotManager.builder(hypervisor, JsonSnapshotStore.open(root)).build();
    Snapshot taken = writer.create(domain, CreateSpec.builder().name("nightly").description("kept on disk").build());

    SnapshotManager reader = SnapshotManager.builder(hypervisor, JsonSnapshotStore.open(root)).build();
    return reader.current(domain).filter(s -> s.name().equals(taken.name()));
  }
}
