package io.github.xlsnap.store.postgres;

import io.github.xlsnap.testkit.ChildProcessLease;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The other process of {@link PostgresSnapshotStoreContractTest}'s tests between processes:
 * {@code <store directory> <domain>}; opens the store the directory's {@code store.properties} names
 * (the private server's URL, the schema) and holds the domain's lease until told (see
 * {@link ChildProcessLease}).
 */
final class PostgresLeaseHolder {
  private PostgresLeaseHolder() {}

  public static void main(String[] args) throws Exception {
    try (PostgresSnapshotStore store = PostgresSnapshotStoreContractTest.fromProperties(Path.of(args[0])).open()) {
      ChildProcessLease.holdUntilReleased(store, UUID.fromString(args[1]));
    }
    System.exit(0);
  }
}
