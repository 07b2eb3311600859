package io.github.xlsnap.testkit;

import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.file.Path;

/**
 * The in-memory store against the store contract. It keeps metadata in one instance and holds no
 * leases (the SPI's default, for a store used by one process): the tests of reopening, other
 * processes, corrupt files and leases are skipped with that reason.
 */
class InMemorySnapshotStoreContractTest extends SnapshotStoreContract {
  @Override
  protected SnapshotStore openStore(Path directory) {
    return new InMemorySnapshotStore(directory);
  }

  @Override
  protected boolean isDurable() {
    return false;
  }

  @Override
  protected boolean holdsLeases() {
    return false;
  }
}
