package io.github.xlsnap.store.postgres;

import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * Opens a {@link PostgresSnapshotStore} for core's FailureAtomicityTest and ModelBasedLifecycleTest
 * (from core's test-jar; the {@code core-suites} profile of this module's POM): a schema per store
 * directory in one database of the private server, the directory as the data root. The suites never
 * close their stores; the oldest of more than {@value #OPEN} open ones is closed, so that their
 * sessions do not pile up (the suites use one store at a time).
 */
public final class PostgresStoreForCoreSuites implements Function<Path, SnapshotStore> {
  private static final int OPEN = 8;
  private static final Deque<PostgresSnapshotStore> STORES = new ArrayDeque<>();
  private static String database;

  /** Made by the core suites, by reflection. */
  public PostgresStoreForCoreSuites() {}

  @Override
  public SnapshotStore apply(Path directory) {
    synchronized (STORES) {
      if (database == null) {
        database = PrivatePostgres.get().createDatabase("coresuites");
      }
      PostgresSnapshotStore store = PrivatePostgres.get().builder(database).schema(schemaOf(directory))
          .dataRoot(directory).poolSize(2).open();
      STORES.addLast(store);
      while (STORES.size() > OPEN) {
        STORES.removeFirst().close();
      }
      return store;
    }
  }

  private static String schemaOf(Path directory) {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest(directory.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
      return "s_" + HexFormat.of().formatHex(h, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
