package io.github.xlsnap.store;

import io.github.xlsnap.testkit.ChildProcessLease;
import java.nio.file.Path;
import java.util.UUID;

/**
 * The other process of {@link JsonSnapshotStoreContractTest}'s tests between processes:
 * {@code <store directory> <domain>}; holds the domain's lease until told (see
 * {@link ChildProcessLease}).
 */
final class JsonStoreLeaseHolder {
  private JsonStoreLeaseHolder() {}

  public static void main(String[] args) {
    ChildProcessLease.holdUntilReleased(JsonSnapshotStore.open(Path.of(args[0])), UUID.fromString(args[1]));
  }
}
