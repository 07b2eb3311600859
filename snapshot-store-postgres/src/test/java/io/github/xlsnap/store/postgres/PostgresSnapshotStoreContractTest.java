package io.github.xlsnap.store.postgres;

import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.testkit.ChildProcessLease;
import io.github.xlsnap.testkit.SnapshotStoreContract;
import io.github.xlsnap.testkit.StoreFaults;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;

/**
 * The PostgreSQL store against the store contract, on a private server ({@link PrivatePostgres}), with
 * every hook:
 * <ul>
 *   <li>a contract "directory" is a store: a schema of its own in this class's database, named from
 *       the directory, with the data root inside the directory; the directory's
 *       {@code store.properties} says which, for the other process;</li>
 *   <li>faults: each statement and commit of the store's pooled connections is an I/O step
 *       ({@link FaultyConnections}); a failed commit has reached the database and lost its
 *       acknowledgement, which the store must settle;</li>
 *   <li>another process: {@link PostgresLeaseHolder}, a JVM that opens the same schema;</li>
 *   <li>corrupt: a snapshot's JSON document cut in half by an UPDATE, named by its row path.</li>
 * </ul>
 */
class PostgresSnapshotStoreContractTest extends SnapshotStoreContract {
  private static String database;
  private final Map<SnapshotStore, FaultyConnections> seams = new ConcurrentHashMap<>();
  private final List<PostgresSnapshotStore> opened = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void createDatabase() {
    database = PrivatePostgres.get().createDatabase("contract");
  }

  @AfterEach
  void closeStores() {
    opened.forEach(PostgresSnapshotStore::close);
  }

  /** The schema of a contract directory. */
  static String schemaOf(Path directory) throws IOException {
    try {
      byte[] h = MessageDigest.getInstance("SHA-256")
          .digest(directory.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8));
      return "c_" + HexFormat.of().formatHex(h, 0, 10);
    } catch (NoSuchAlgorithmException e) {
      throw new IOException(e);
    }
  }

  /** The builder of the store a directory's {@code store.properties} names. */
  static PostgresSnapshotStore.Builder fromProperties(Path directory) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(directory.resolve("store.properties"))) {
      p.load(r);
    }
    return PostgresSnapshotStore.builder(p.getProperty("url")).user(p.getProperty("user"))
        .password(p.getProperty("password")).schema(p.getProperty("schema")).dataRoot(Path.of(p.getProperty("dataRoot")))
        .hostId(p.getProperty("hostId") + "-" + ProcessHandle.current().pid());
  }

  @Override
  protected SnapshotStore openStore(Path directory) throws IOException {
    Files.createDirectories(directory);
    Path props = directory.resolve("store.properties");
    if (!Files.exists(props)) {
      Properties p = new Properties();
      p.setProperty("url", PrivatePostgres.get().url(database));
      p.setProperty("user", PrivatePostgres.SUPERUSER);
      p.setProperty("password", PrivatePostgres.PASSWORD);
      p.setProperty("schema", schemaOf(directory));
      p.setProperty("dataRoot", directory.resolve("data").toString());
      p.setProperty("hostId", "contract-host");
      try (Writer w = Files.newBufferedWriter(props)) {
        p.store(w, "the store of this contract directory");
      }
    }
    FaultyConnections faults = new FaultyConnections();
    PostgresSnapshotStore store = PostgresSnapshotStore.open(fromProperties(directory).poolSize(2), faults);
    opened.add(store);
    seams.put(store, faults);
    return store;
  }

  @Override
  protected Optional<StoreFaults> faults(SnapshotStore store) {
    FaultyConnections faults = seams.get(store);
    return Optional.of(new StoreFaults() {
      @Override
      public void failNextIo(int nth) {
        faults.arm(nth);
      }

      @Override
      public boolean injected() {
        return faults.injected();
      }

      @Override
      public void clear() {
        faults.disarm();
      }
    });
  }

  @Override
  protected Optional<ChildProcessLease> holdLeaseInAnotherProcess(Path directory, UUID domain) throws IOException {
    return Optional.of(ChildProcessLease.start(PostgresLeaseHolder.class, directory, domain));
  }

  /** Cuts the JSON document of the domain's first snapshot in half; returns the row's path. */
  @Override
  protected Optional<Path> corrupt(Path directory, UUID domain) throws Exception {
    String schema = schemaOf(directory);
    try (Connection c = PrivatePostgres.get().connect(database);
        PreparedStatement ps = c.prepareStatement("UPDATE \"" + schema + "\".snapshots SET doc = "
            + "'{\"format_version\": 1, \"name\": ' WHERE domain = ? AND ord = 0 RETURNING name")) {
      ps.setObject(1, domain);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(Path.of(schema, "snapshots", domain.toString(), rs.getString(1)))
            : Optional.empty();
      }
    }
  }
}
