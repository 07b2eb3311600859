package io.github.xlsnap.store;

import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.testkit.ChildProcessLease;
import io.github.xlsnap.testkit.SnapshotStoreContract;
import io.github.xlsnap.testkit.StoreFaults;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The JSON store against the store contract, with every hook: faults at each I/O call, a lease
 * held by another JVM ({@link JsonStoreLeaseHolder}), and a damaged snapshot file.
 */
class JsonSnapshotStoreContractTest extends SnapshotStoreContract {
  /** The fault seam of each store this test opened. */
  private final Map<SnapshotStore, FaultyFileOps> seams = new ConcurrentHashMap<>();

  @Override
  protected SnapshotStore openStore(Path directory) {
    FaultyFileOps ops = new FaultyFileOps();
    JsonSnapshotStore store = JsonSnapshotStore.open(directory, Clock.systemUTC(), ops);
    seams.put(store, ops);
    return store;
  }

  /**
   * Fails the store's N-th call that changes a file ({@link io.github.xlsnap.store.internal.FileOps}:
   * a write, an fsync, a rename, a removal, a directory fsync), of saves and intents alike.
   */
  @Override
  protected Optional<StoreFaults> faults(SnapshotStore store) {
    FaultyFileOps ops = seams.get(store);
    return Optional.of(new StoreFaults() {
      private volatile int armedAt = -1;

      @Override
      public void failNextIo(int nth) {
        armedAt = nth - 1;
        ops.arm(armedAt);
      }

      @Override
      public boolean injected() {
        return armedAt >= 0 && ops.calls().size() > armedAt;
      }

      @Override
      public void clear() {
        armedAt = -1;
        ops.disarm();
      }
    });
  }

  @Override
  protected Optional<ChildProcessLease> holdLeaseInAnotherProcess(Path directory, UUID domain) throws IOException {
    return Optional.of(ChildProcessLease.start(JsonStoreLeaseHolder.class, directory, domain));
  }

  /** Truncates the domain's first snapshot file to half a JSON object. */
  @Override
  protected Optional<Path> corrupt(Path directory, UUID domain) throws IOException {
    Path dir = JsonSnapshotStore.open(directory).dataDirectory(domain);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, JsonSnapshotStore.PREFIX + "*")) {
      for (Path file : files) {
        Files.writeString(file, "{\"format_version\": 1, \"name\": ", StandardCharsets.UTF_8);
        return Optional.of(file);
      }
    }
    return Optional.empty();
  }
}
