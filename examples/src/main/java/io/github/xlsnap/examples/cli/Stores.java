package io.github.xlsnap.examples.cli;

import io.github.xlsnap.store.JsonSnapshotStore;
import java.nio.file.Path;

/** Opens the snapshot store the command line names: the durable JSON store. */
final class Stores {
  private Stores() {}

  static JsonSnapshotStore open(Path root) {
    return JsonSnapshotStore.open(root.toAbsolutePath());
  }
}
