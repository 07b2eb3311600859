package io.github.xlsnap.store.postgres;

import static java.util.Objects.requireNonNull;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.github.xlsnap.core.DomainBusyException;
import io.github.xlsnap.core.OperationCancelledException;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.XlsnapIOException;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.store.postgres.internal.BadRowException;
import io.github.xlsnap.store.postgres.internal.Codec;
import io.github.xlsnap.store.postgres.internal.Keys;
import io.github.xlsnap.store.postgres.internal.Migrations;
import io.github.xlsnap.store.postgres.internal.SqlErrors;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link SnapshotStore} on PostgreSQL, for a pool of hosts: every host that opens the store on
 * the same database (and schema) sees every domain's snapshots, so a domain's snapshots follow it when
 * it moves between hosts. Open it with {@link #builder}; close it when done. Immutable once open, and
 * safe for use by many threads.
 *
 * <p><b>Tables</b> (in the {@linkplain Builder#schema schema}, {@code xlsnap} by default, created and
 * migrated on open): {@code xlsnap_schema} (the applied migrations), {@code domains} (a domain's
 * generation, current snapshot, owned images and deferred clean-ups), {@code snapshots} (one row per
 * snapshot: its name, parent, position, creation time and its JSON document, kept verbatim; children
 * are derived from the parents), {@code intents} (the manager's record of an operation in progress,
 * with the host that wrote it) and {@code leases} (each domain's fencing epoch and last lease holder).
 *
 * <p><b>Saves.</b> Each {@link #save} and {@link #saveIntent} is one transaction, serialized per domain
 * by a transaction-level advisory lock; a save writes only the rows that changed (a create is one
 * insert and the domain row). A commit whose acknowledgement is lost (the connection broke) is settled
 * before the call returns or throws, as the SPI asks: the store reconnects and reads whether the
 * commit happened (each save writes a random token into the domain's row). Loads read one consistent
 * snapshot of the database ({@code REPEATABLE READ}) and never wait for a lease. A store keeps the last
 * metadata it read or saved of each of the 64 domains it used last, with the random token the save that
 * wrote it left in the domain's row; a load or save that finds the same token in the row reuses it
 * instead of reading every snapshot row again (rows changed by hand without a save are seen by another
 * store instance, or after the domain's next save).
 *
 * <p><b>Leases</b> ({@link #lockDomain}) are PostgreSQL session-level advisory locks, each held on a
 * connection of its own (not from the pool; the session of a released lease, which then holds no lock,
 * is kept for the next), so a lease dies with its holder's session: a process
 * killed, or a host cut off once the server notices (TCP keepalive). Taking a lease raises the domain's
 * <em>fencing epoch</em>; a save or intent made under a lease checks, in its transaction, that the
 * epoch is still the lease's and its session still holds the lock, so a holder whose session ended
 * cannot commit late: it gets a {@link LeaseLostException}. Waits poll with a growing back-off, bounded
 * by the timeout ({@link DomainBusyException}, naming the holder's host) and interruptible
 * ({@link OperationCancelledException}).
 *
 * <p><b>Shared storage.</b> {@link #dataDirectory} (memory images) is under the
 * {@linkplain Builder#dataRoot data root}, which must be storage that every host of the pool sees at
 * the same path (NFS, a cluster file system), as the domains' disk images must be for a domain to
 * move: a snapshot's memory image written on one host is read by a revert on another. The store
 * checks what it can on open: the first store on the database leaves a random marker in its data root
 * and in the database, and a host whose data root lacks it is warned ({@link #dataRootProblem()}).
 *
 * <p><b>Errors</b> are typed and name the JDBC URL without its password: {@link DatabaseUnreachableException},
 * {@link DatabaseAuthenticationException}, {@link DatabaseReadOnlyException}, {@link SchemaVersionException},
 * {@link CorruptRowException}, {@link LeaseLostException}; others are {@link PostgresStoreException}.
 * No {@link SQLException} escapes.
 */
public final class PostgresSnapshotStore implements SnapshotStore, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PostgresSnapshotStore.class);
  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final Pattern PASSWORD = Pattern.compile("(?i)([?&]password=)[^&]*");
  /** How long a lease waiter sleeps between tries, at most. */
  private static final Duration MAX_BACKOFF = Duration.ofMillis(100);
  /** How often the outcome of a commit whose acknowledgement was lost is asked before giving up. */
  private static final int SETTLE_TRIES = 5;

  private final String jdbcUrl;
  private final String schema;
  private final String q;
  private final Path dataRoot;
  private final String hostId;
  private final PGSimpleDataSource direct;
  private final HikariDataSource pool;
  private final UnaryOperator<Connection> wrap;
  private final ConcurrentMap<UUID, HeldLease> held = new ConcurrentHashMap<>();
  private final Set<HeldLease> open = ConcurrentHashMap.newKeySet();
  /** Sessions of released leases, holding no lock, for the next leases. */
  private final java.util.concurrent.BlockingDeque<Connection> idleLeaseConnections =
      new java.util.concurrent.LinkedBlockingDeque<>();
  /** How many sessions of released leases are kept. */
  private static final int IDLE_LEASE_CONNECTIONS = 4;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Optional<String> dataRootProblem;
  /** The last metadata read or committed per domain, used while the domain row's save token is unchanged. */
  private final Map<UUID, Cached> cache = java.util.Collections.synchronizedMap(new Lru());

  /** A domain's metadata as of the save that wrote {@code token}. */
  private record Cached(UUID token, DomainMetadata metadata) {}

  /** The cache's map: the most recently used domains, {@value #CACHED_DOMAINS} at most. */
  private static final class Lru extends java.util.LinkedHashMap<UUID, Cached> {
    private static final long serialVersionUID = 1L;
    private static final int CACHED_DOMAINS = 64;

    Lru() {
      super(16, 0.75f, true);
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<UUID, Cached> eldest) {
      return size() > CACHED_DOMAINS;
    }
  }

  private PostgresSnapshotStore(Builder b, String redacted, PGSimpleDataSource direct, HikariDataSource pool,
      UnaryOperator<Connection> wrap, Optional<String> dataRootProblem) {
    this.dataRootProblem = dataRootProblem;
    this.jdbcUrl = redacted;
    this.schema = b.schema;
    this.q = '"' + b.schema + '"';
    this.dataRoot = requireNonNull(b.dataRoot);
    this.hostId = b.hostId;
    this.direct = direct;
    this.pool = pool;
    this.wrap = wrap;
  }

  /**
   * Starts building a store on a database.
   *
   * @param jdbcUrl the database's JDBC URL, {@code jdbc:postgresql://host:port/database} (any of the
   *     driver's URL properties may follow; give the password with {@link Builder#password}, not in the
   *     URL, though a password there is never shown in messages)
   * @return the builder
   * @throws IllegalArgumentException if the URL is not a PostgreSQL JDBC URL
   */
  public static Builder builder(String jdbcUrl) {
    return new Builder(jdbcUrl);
  }

  /**
   * How to open a {@link PostgresSnapshotStore}: the database, the credentials, the schema, the
   * shared data root and this host's name. Not for use by several threads.
   */
  public static final class Builder {
    private final String url;
    private @Nullable String user;
    private @Nullable String password;
    private String schema = "xlsnap";
    private @Nullable Path dataRoot;
    private String hostId = defaultHostId();
    private int poolSize = 4;
    private Duration connectTimeout = Duration.ofSeconds(10);

    private Builder(String jdbcUrl) {
      requireNonNull(jdbcUrl, "jdbcUrl");
      if (!jdbcUrl.startsWith("jdbc:postgresql:")) {
        throw new IllegalArgumentException("not a PostgreSQL JDBC URL (jdbc:postgresql://host:port/database): "
            + redact(jdbcUrl));
      }
      this.url = jdbcUrl;
    }

    /**
     * Sets the database user; by default the driver's (the URL's {@code user} property, else the OS user).
     *
     * @param value the user name
     * @return this builder
     */
    public Builder user(String value) {
      user = requireNonNull(value, "user");
      return this;
    }

    /**
     * Sets the database password; by default none (the server's {@code pg_hba.conf} decides).
     *
     * @param value the password, never shown in messages
     * @return this builder
     */
    public Builder password(String value) {
      password = requireNonNull(value, "password");
      return this;
    }

    /**
     * Sets the PostgreSQL schema of the store's tables, created on open if absent; by default
     * {@code xlsnap}. Stores in different schemas of one database are independent.
     *
     * @param value a plain lowercase identifier: {@code [a-z_][a-z0-9_]*}, at most 63 characters
     * @return this builder
     * @throws IllegalArgumentException if it is not such an identifier
     */
    public Builder schema(String value) {
      requireNonNull(value, "schema");
      if (!SCHEMA.matcher(value).matches() || value.startsWith("pg_")) {
        throw new IllegalArgumentException("schema '" + value + "' is not a plain lowercase identifier "
            + "([a-z_][a-z0-9_]*, at most 63 characters, not pg_*)");
      }
      schema = value;
      return this;
    }

    /**
     * Sets the directory under which {@link #dataDirectory} gives each domain its own. Required. It
     * must be storage every host of the pool sees at the same path (NFS, a cluster file system): a
     * memory image written by a snapshot on one host is read by a revert on another. Created on open
     * if missing.
     *
     * @param value the directory; a relative path is taken from the working directory
     * @return this builder
     */
    public Builder dataRoot(Path value) {
      dataRoot = requireNonNull(value, "dataRoot").toAbsolutePath().normalize();
      return this;
    }

    /**
     * Sets the name of this host, recorded with the intents and leases it writes and shown in
     * {@link DomainBusyException}s of other hosts; by default the local host name.
     *
     * @param value the host's name, not blank
     * @return this builder
     * @throws IllegalArgumentException if it is blank
     */
    public Builder hostId(String value) {
      requireNonNull(value, "hostId");
      if (value.isBlank()) {
        throw new IllegalArgumentException("hostId is blank");
      }
      hostId = value;
      return this;
    }

    /**
     * Sets the most pooled connections the store holds for loads and saves (each held lease holds one
     * more of its own); by default 4.
     *
     * @param value 1 or more
     * @return this builder
     * @throws IllegalArgumentException if less than 1
     */
    public Builder poolSize(int value) {
      if (value < 1) {
        throw new IllegalArgumentException("poolSize " + value + " < 1");
      }
      poolSize = value;
      return this;
    }

    /**
     * Sets how long opening a connection may take before the database counts as unreachable; by
     * default 10 seconds.
     *
     * @param value at least one second
     * @return this builder
     * @throws IllegalArgumentException if shorter than one second
     */
    public Builder connectTimeout(Duration value) {
      requireNonNull(value, "connectTimeout");
      if (value.compareTo(Duration.ofSeconds(1)) < 0) {
        throw new IllegalArgumentException("connectTimeout " + value + " is shorter than a second");
      }
      connectTimeout = value;
      return this;
    }

    /**
     * Opens the store: connects, refuses a read-only database, creates or migrates the schema (one
     * transaction, serialized between hosts) and creates the data root if missing.
     *
     * @return the open store; close it when done
     * @throws IllegalStateException if no {@link #dataRoot} was set
     * @throws DatabaseUnreachableException if the database cannot be reached
     * @throws DatabaseAuthenticationException if it refuses the credentials
     * @throws DatabaseReadOnlyException if it accepts no writes
     * @throws SchemaVersionException if its schema is newer than this xlsnap knows
     * @throws PostgresStoreException if the database fails otherwise
     * @throws XlsnapIOException if the data root cannot be created
     */
    public PostgresSnapshotStore open() {
      return PostgresSnapshotStore.open(this, UnaryOperator.identity());
    }

    /**
     * Same as {@link #open()}.
     *
     * @return the open store; close it when done
     */
    public PostgresSnapshotStore build() {
      return open();
    }
  }

  /** Opens the store, with every pooled connection passed through {@code wrap} (tests inject faults so). */
  static PostgresSnapshotStore open(Builder b, UnaryOperator<Connection> wrap) {
    if (b.dataRoot == null) {
      throw new IllegalStateException("no dataRoot: set the shared directory for memory images with dataRoot(path)");
    }
    String redacted = redact(b.url);
    PGSimpleDataSource ds = new PGSimpleDataSource();
    ds.setURL(b.url);
    if (b.user != null) {
      ds.setUser(b.user);
    }
    if (b.password != null) {
      ds.setPassword(b.password);
    }
    int seconds = (int) Math.max(1, b.connectTimeout.toSeconds());
    ds.setConnectTimeout(seconds);
    ds.setLoginTimeout(seconds);
    ds.setSocketTimeout(300);
    ds.setTcpKeepAlive(true);
    ds.setApplicationName("xlsnap " + b.hostId);
    String operation = "open the snapshot store (schema " + b.schema + ")";
    try (Connection c = ds.getConnection()) {
      try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW transaction_read_only")) {
        rs.next();
        if ("on".equals(rs.getString(1))) {
          throw new DatabaseReadOnlyException(operation, redacted, null, "25006", new IOException(
              "the database accepts no writes (transaction_read_only is on: a standby, or "
              + "default_transaction_read_only set), and every snapshot operation writes"));
        }
      }
      int was = Migrations.migrate(c, b.schema, Keys.of("migrate", b.schema, ""), redacted);
      if (was < Migrations.LATEST) {
        LOG.info("migrated the xlsnap schema {} in {} from version {} to {}", b.schema, redacted, was, Migrations.LATEST);
      }
    } catch (SQLException e) {
      throw SqlErrors.translate(operation, redacted, null, e);
    }
    Optional<String> dataRootProblem = checkDataRoot(ds, b, redacted);
    HikariConfig cfg = new HikariConfig();
    cfg.setDataSource(ds);
    cfg.setPoolName("xlsnap-" + b.schema);
    cfg.setMaximumPoolSize(b.poolSize);
    cfg.setMinimumIdle(0);
    cfg.setConnectionTimeout(Math.max(250, b.connectTimeout.toMillis()));
    cfg.setInitializationFailTimeout(-1);
    cfg.setAutoCommit(true);
    HikariDataSource pool = new HikariDataSource(cfg);
    LOG.debug("opened the snapshot store {} schema {} as host {}", redacted, b.schema, b.hostId);
    return new PostgresSnapshotStore(b, redacted, ds, pool, wrap, dataRootProblem);
  }

  /** The file in the data root that tells the pool's shared storage from a directory of one host. */
  static final String MARKER = ".xlsnap-pool-marker";

  /**
   * Creates the data root if missing and checks, where it can, that it is the pool's shared storage:
   * the first store opened on the schema writes a random marker both into the data root and into the
   * database ({@code pool_settings}); a store whose data root lacks that marker, or holds another, is
   * on a directory the other hosts do not see. Serialized with migrations by their advisory lock.
   */
  private static Optional<String> checkDataRoot(PGSimpleDataSource ds, Builder b, String redacted) {
    Path root = requireNonNull(b.dataRoot);
    Path marker = root.resolve(MARKER);
    String operation = "check the data root " + root + " against the pool (schema " + b.schema + ")";
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        lock.setLong(1, Keys.of("migrate", b.schema, ""));
        lock.execute();
      }
      Files.createDirectories(root);
      String expected = null;
      try (PreparedStatement ps = c.prepareStatement("SELECT value FROM \"" + b.schema
          + "\".pool_settings WHERE key = 'data_root_marker'")) {
        try (ResultSet rs = ps.executeQuery()) {
          if (rs.next()) {
            expected = rs.getString(1);
          }
        }
      }
      Optional<String> problem = Optional.empty();
      if (expected == null) {
        String token = UUID.randomUUID() + " written by host " + b.hostId + " at " + java.time.Instant.now();
        Path tmp = root.resolve(MARKER + ".tmp");
        Files.writeString(tmp, token + "\n", java.nio.charset.StandardCharsets.UTF_8);
        Files.move(tmp, marker, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
            java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO \"" + b.schema
            + "\".pool_settings (key, value) VALUES ('data_root_marker', ?)")) {
          ps.setString(1, token);
          ps.executeUpdate();
        }
      } else if (!Files.isRegularFile(marker)) {
        problem = Optional.of("the data root " + root + " lacks the marker " + MARKER + " that the pool's first "
            + "host wrote into its data root (" + expected + "): it is not the shared storage the other hosts of "
            + redacted + " use, so snapshots taken here cannot be reverted elsewhere");
      } else {
        String found = Files.readString(marker, java.nio.charset.StandardCharsets.UTF_8).strip();
        if (!found.equals(expected)) {
          problem = Optional.of("the data root " + root + " holds the marker of another pool (" + found
              + "), not this one's (" + expected + "): it is not the shared storage the other hosts of " + redacted
              + " use");
        }
      }
      c.commit();
      problem.ifPresent(LOG::warn);
      return problem;
    } catch (SQLException e) {
      throw SqlErrors.translate(operation, redacted, Path.of(b.schema, "pool_settings"), e);
    } catch (IOException e) {
      throw new XlsnapIOException("check the shared data root", marker, e);
    }
  }

  /**
   * Tells what is wrong with the {@linkplain Builder#dataRoot data root}, as far as the store could
   * check when it opened: the first store opened on the database wrote a random marker into its data
   * root and into the database; a data root that lacks it, or holds another, is not the storage the
   * other hosts see (a local directory, or an unmounted share). Logged at WARN when opening.
   *
   * @return the problem, empty if the data root holds the pool's marker
   */
  public Optional<String> dataRootProblem() {
    return dataRootProblem;
  }

  private static String defaultHostId() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (UnknownHostException e) {
      String env = System.getenv("HOSTNAME");
      return env == null || env.isBlank() ? "unknown-host" : env;
    }
  }

  private static String redact(String url) {
    return PASSWORD.matcher(url).replaceAll("$1***");
  }

  // ---------------------------------------------------------------------------------------------
  // accessors

  /**
   * Returns the database's JDBC URL, with any password in it masked.
   *
   * @return the URL
   */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /**
   * Returns the PostgreSQL schema of the store's tables.
   *
   * @return the schema's name
   */
  public String schema() {
    return schema;
  }

  /**
   * Returns the shared directory under which {@link #dataDirectory} lies.
   *
   * @return the absolute directory
   */
  public Path dataRoot() {
    return dataRoot;
  }

  /**
   * Returns this host's name, as recorded with its intents and leases.
   *
   * @return the host's name
   */
  public String hostId() {
    return hostId;
  }

  // ---------------------------------------------------------------------------------------------
  // loading

  @Override
  public DomainMetadata load(UUID domain) {
    requireNonNull(domain, "domain");
    Path rows = rows("domains", domain);
    try (Connection c = connection()) {
      try (Statement st = c.createStatement()) {
        st.execute("START TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
      }
      try {
        return read(c, domain);
      } finally {
        try (Statement st = c.createStatement()) {
          st.execute("COMMIT");
        }
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("load the metadata of domain " + domain, jdbcUrl, rows, e);
    }
  }

  /** One snapshot row, as stored. */
  private record Row(String name, int ord, @Nullable String parent, int siblingOrd, String doc) {}

  private DomainMetadata read(Connection c, UUID domain) throws SQLException {
    Path domainRows = rows("domains", domain);
    Optional<String> current = Optional.empty();
    Set<Path> owned = Set.of();
    Set<io.github.xlsnap.core.DeferredCleanup> deferred = Set.of();
    boolean found = false;
    UUID token = null;
    try (PreparedStatement ps = c.prepareStatement("SELECT current_snapshot, owned_images::text, "
        + "deferred_cleanups::text, save_token FROM " + q + ".domains WHERE uuid = ?")) {
      ps.setObject(1, domain);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          found = true;
          token = rs.getObject(4, UUID.class);
          Cached cached = cache.get(domain);
          if (cached != null && cached.token().equals(token)) {
            return cached.metadata();
          }
          current = Optional.ofNullable(rs.getString(1));
          try {
            owned = Codec.decodePaths(rs.getString(2));
            deferred = Codec.decodeDeferred(rs.getString(3));
          } catch (BadRowException e) {
            throw new CorruptRowException(jdbcUrl, domainRows, e.getMessage(), e);
          }
        }
      }
    }
    List<Row> rows = new ArrayList<>();
    try (PreparedStatement ps = c.prepareStatement("SELECT name, ord, parent, sibling_ord, doc FROM " + q
        + ".snapshots WHERE domain = ? ORDER BY ord, name")) {
      ps.setObject(1, domain);
      ps.setFetchSize(1000);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          rows.add(new Row(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getInt(4), rs.getString(5)));
        }
      }
    }
    if (!found && rows.isEmpty()) {
      return DomainMetadata.empty(domain);
    }
    Map<String, List<Row>> childrenOf = new HashMap<>();
    for (Row r : rows) {
      if (r.parent() != null) {
        childrenOf.computeIfAbsent(r.parent(), k -> new ArrayList<>()).add(r);
      }
    }
    List<Snapshot> snapshots = new ArrayList<>(rows.size());
    for (Row r : rows) {
      List<Row> kids = new ArrayList<>(childrenOf.getOrDefault(r.name(), List.of()));
      kids.sort((x, y) -> x.siblingOrd() != y.siblingOrd() ? Integer.compare(x.siblingOrd(), y.siblingOrd())
          : Integer.compare(x.ord(), y.ord()));
      List<String> children = kids.stream().map(Row::name).toList();
      try {
        snapshots.add(Codec.decode(r.doc(), r.name(), Optional.ofNullable(r.parent()), children));
      } catch (BadRowException e) {
        throw new CorruptRowException(jdbcUrl, rows("snapshots", domain).resolve(r.name()), e.getMessage(), e);
      }
    }
    try {
      DomainMetadata md = new DomainMetadata(domain, snapshots, current, owned, deferred);
      if (token != null) {
        cache.put(domain, new Cached(token, md));
      }
      return md;
    } catch (IllegalArgumentException e) {
      throw new CorruptRowException(jdbcUrl, domainRows, "the rows do not form a valid snapshot tree: "
          + e.getMessage(), e);
    }
  }

  @Override
  public Set<UUID> domains() {
    try (Connection c = connection(); Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT uuid FROM " + q + ".domains UNION SELECT domain FROM " + q
            + ".intents")) {
      Set<UUID> out = new LinkedHashSet<>();
      while (rs.next()) {
        out.add(rs.getObject(1, UUID.class));
      }
      return out;
    } catch (SQLException e) {
      throw SqlErrors.translate("list the domains", jdbcUrl, Path.of(schema, "domains"), e);
    }
  }

  @Override
  public Optional<String> loadIntent(UUID domain) {
    requireNonNull(domain, "domain");
    return intentColumn(domain, "intent");
  }

  /**
   * Returns the host that wrote a domain's pending intent: {@link #hostId()} of the store that saved
   * it. A peer may take over a dead host's intent once it holds the domain's lease (metadata and
   * storage clean-up only: the hypervisor work of an operation is the host's own).
   *
   * @param domain the domain's UUID
   * @return the host's name, empty if no intent is pending
   */
  public Optional<String> intentHost(UUID domain) {
    requireNonNull(domain, "domain");
    return intentColumn(domain, "host_id");
  }
  /**
   * {@inheritDoc}
   *
   * <p>The host that recorded the pending intent ({@link #intentHost}) when it is not {@link #hostId()}.
   */
  @Override
  public Optional<String> foreignIntentHost(UUID domain) {
    return intentHost(domain).filter(h -> !h.equals(hostId));
  }

  /**
   * {@inheritDoc}
   *
   * <p>True: every host on the database sees a domain's snapshots, keyed by its UUID. Whether its files
   * are on shared storage too, the manager judges ({@link io.github.xlsnap.core.SnapshotManager#checkMigration}).
   */
  @Override
  public boolean isPoolWide() {
    return true;
  }

  private Optional<String> intentColumn(UUID domain, String column) {
    try (Connection c = connection();
        PreparedStatement ps = c.prepareStatement("SELECT " + column + " FROM " + q + ".intents WHERE domain = ?")) {
      ps.setObject(1, domain);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw SqlErrors.translate("load the intent of domain " + domain, jdbcUrl, rows("intents", domain), e);
    }
  }

  @Override
  public Path dataDirectory(UUID domain) {
    return dataRoot.resolve(requireNonNull(domain, "domain").toString());
  }

  // ---------------------------------------------------------------------------------------------
  // saving

  /** A snapshot row to write; its document is encoded when first needed. */
  private static final class NewRow {
    final Snapshot snapshot;
    final int ord;
    final @Nullable String parent;
    final int siblingOrd;
    private @Nullable String doc;

    NewRow(Snapshot snapshot, int ord, @Nullable String parent, int siblingOrd) {
      this.snapshot = snapshot;
      this.ord = ord;
      this.parent = parent;
      this.siblingOrd = siblingOrd;
    }

    String name() {
      return snapshot.name();
    }

    String doc() {
      if (doc == null) {
        doc = Codec.encode(snapshot, null);
      }
      return doc;
    }

    boolean sameColumns(Stored s) {
      return s.ord() == ord && Objects.equals(s.parent(), parent) && s.siblingOrd() == siblingOrd;
    }
  }

  /** The rows of metadata: position, parent and position among the parent's children of each snapshot. */
  private static List<NewRow> rowsOf(DomainMetadata metadata) {
    Map<String, Snapshot> byName = new HashMap<>();
    metadata.snapshots().forEach(s -> byName.put(s.name(), s));
    List<NewRow> rows = new ArrayList<>(metadata.snapshots().size());
    for (int i = 0; i < metadata.snapshots().size(); i++) {
      Snapshot s = metadata.snapshots().get(i);
      String parent = s.parent().orElse(null);
      int sibling = parent == null ? 0 : Math.max(0, byName.get(parent).children().indexOf(s.name()));
      rows.add(new NewRow(s, i, parent, sibling));
    }
    return rows;
  }

  @Override
  public void save(DomainMetadata metadata) {
    requireNonNull(metadata, "metadata");
    UUID domain = metadata.domain();
    Path rows = rows("domains", domain);
    String operation = "save the metadata of domain " + domain;
    List<NewRow> wanted = rowsOf(metadata);
    UUID token = UUID.randomUUID();
    HeldLease lease = leaseOfThisThread(domain);
    Cached cached = cache.remove(domain); // put back once committed
    commit(operation, rows, domain, c -> {
      if (metadata.isEmpty()) {
        try (PreparedStatement del = c.prepareStatement("DELETE FROM " + q + ".snapshots WHERE domain = ?")) {
          del.setObject(1, domain);
          del.executeUpdate();
        }
        try (PreparedStatement del = c.prepareStatement("DELETE FROM " + q + ".domains WHERE uuid = ?")) {
          del.setObject(1, domain);
          del.executeUpdate();
        }
        return;
      }
      // the snapshot rows first: they compare with the domain row's present token (the foreign keys are
      // checked at the commit)
      writeSnapshotRows(c, domain, wanted, cached);
      writeDomainRow(c, metadata, token);
    }, lease, () -> metadata.isEmpty() ? domainRowAbsent(domain) : tokenIs(domain, token));
    if (!metadata.isEmpty()) {
      cache.put(domain, new Cached(token, metadata));
    }
  }

  private void writeDomainRow(Connection c, DomainMetadata md, UUID token) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + q + ".domains (uuid, generation, current_snapshot, "
        + "owned_images, deferred_cleanups, save_token, updated_by) VALUES (?, 1, ?, ?::jsonb, ?::jsonb, ?, ?) "
        + "ON CONFLICT (uuid) DO UPDATE SET generation = " + q + ".domains.generation + 1, "
        + "current_snapshot = EXCLUDED.current_snapshot, owned_images = EXCLUDED.owned_images, "
        + "deferred_cleanups = EXCLUDED.deferred_cleanups, save_token = EXCLUDED.save_token, "
        + "updated_by = EXCLUDED.updated_by, updated_at = now()")) {
      ps.setObject(1, md.domain());
      ps.setString(2, md.current().orElse(null));
      ps.setString(3, Codec.encodePaths(md.ownedImages()));
      ps.setString(4, Codec.encodeDeferred(md.deferredCleanups()));
      ps.setObject(5, token);
      ps.setString(6, hostId);
      ps.executeUpdate();
    }
  }

  /** What is stored of a snapshot row, to tell whether it changed. */
  private record Stored(int ord, @Nullable String parent, int siblingOrd, @Nullable String md5,
      @Nullable Snapshot snapshot) {}

  /**
   * Writes the snapshot rows that differ from the stored ones. What is stored is known from the cache
   * if the domain row still has the cached save token (no other save came between: saves of a domain
   * are serialized), else read (the MD5 of each document).
   */
  private void writeSnapshotRows(Connection c, UUID domain, List<NewRow> wanted, @Nullable Cached cached)
      throws SQLException {
    Map<String, Stored> stored = new HashMap<>();
    if (cached != null && cached.token().equals(storedToken(c, domain))) {
      for (NewRow r : rowsOf(cached.metadata())) {
        stored.put(r.name(), new Stored(r.ord, r.parent, r.siblingOrd, null, r.snapshot));
      }
    } else {
      readStored(c, domain, stored);
    }
    Set<String> gone = new HashSet<>(stored.keySet());
    wanted.forEach(w -> gone.remove(w.name()));
    if (!gone.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q + ".snapshots WHERE domain = ? AND name = ANY (?)")) {
        ps.setObject(1, domain);
        ps.setArray(2, c.createArrayOf("text", gone.toArray()));
        ps.executeUpdate();
      }
    }
    // rows that may have changed; of those stored, the documents are read: one that decodes to the same
    // snapshot is kept (written by another version, with fields this one does not know), else it is
    // rewritten keeping its unknown fields
    List<NewRow> changed = new ArrayList<>();
    List<String> existing = new ArrayList<>();
    for (NewRow w : wanted) {
      Stored s = stored.get(w.name());
      if (s == null) {
        changed.add(w);
        continue;
      }
      boolean sameDoc = s.snapshot() != null ? s.snapshot().equals(w.snapshot)
          : Keys.md5(w.doc()).equals(s.md5());
      if (!sameDoc || !w.sameColumns(s)) {
        changed.add(w);
        existing.add(w.name());
      }
    }
    Map<String, String> oldDocs = new HashMap<>();
    if (!existing.isEmpty()) {
      try (PreparedStatement ps = c.prepareStatement("SELECT name, doc FROM " + q
          + ".snapshots WHERE domain = ? AND name = ANY (?)")) {
        ps.setObject(1, domain);
        ps.setArray(2, c.createArrayOf("text", existing.toArray()));
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            oldDocs.put(rs.getString(1), rs.getString(2));
          }
        }
      }
    }
    int batched = 0;
    try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + q + ".snapshots (domain, name, ord, parent, "
        + "sibling_ord, create_time, doc) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (domain, name) DO UPDATE SET "
        + "ord = EXCLUDED.ord, parent = EXCLUDED.parent, sibling_ord = EXCLUDED.sibling_ord, "
        + "create_time = EXCLUDED.create_time, doc = EXCLUDED.doc")) {
      for (NewRow w : changed) {
        Stored s = stored.get(w.name());
        String old = oldDocs.get(w.name());
        String doc = old == null ? w.doc() : sameSnapshot(old, w) ? old : Codec.encode(w.snapshot, old);
        if (s != null && w.sameColumns(s) && doc.equals(old)) {
          continue; // unchanged: only the children, which are not in the document, differed
        }
        ps.setObject(1, domain);
        ps.setString(2, w.name());
        ps.setInt(3, w.ord);
        ps.setString(4, w.parent);
        ps.setInt(5, w.siblingOrd);
        ps.setObject(6, OffsetDateTime.ofInstant(w.snapshot.createTime(), ZoneOffset.UTC));
        ps.setString(7, doc);
        ps.addBatch();
        batched++;
      }
      if (batched > 0) {
        ps.executeBatch();
      }
    }
  }

  private @Nullable UUID storedToken(Connection c, UUID domain) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT save_token FROM " + q + ".domains WHERE uuid = ?")) {
      ps.setObject(1, domain);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? rs.getObject(1, UUID.class) : null;
      }
    }
  }

  private void readStored(Connection c, UUID domain, Map<String, Stored> stored) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT name, ord, parent, sibling_ord, md5(doc) FROM " + q
        + ".snapshots WHERE domain = ?")) {
      ps.setObject(1, domain);
      ps.setFetchSize(1000);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          stored.put(rs.getString(1), new Stored(rs.getInt(2), rs.getString(3), rs.getInt(4), rs.getString(5), null));
        }
      }
    }
  }

  private static boolean sameSnapshot(String oldDoc, NewRow w) {
    try {
      return Codec.decode(oldDoc, w.name(), w.snapshot.parent(), w.snapshot.children()).equals(w.snapshot);
    } catch (BadRowException e) {
      return false;
    }
  }

  @Override
  public void saveIntent(UUID domain, Optional<String> intent) {
    requireNonNull(domain, "domain");
    requireNonNull(intent, "intent");
    Path rows = rows("intents", domain);
    String operation = (intent.isPresent() ? "save" : "clear") + " the intent of domain " + domain;
    HeldLease lease = leaseOfThisThread(domain);
    commit(operation, rows, domain, c -> {
      if (intent.isPresent()) {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + q + ".intents (domain, intent, host_id) "
            + "VALUES (?, ?, ?) ON CONFLICT (domain) DO UPDATE SET intent = EXCLUDED.intent, "
            + "host_id = EXCLUDED.host_id, updated_at = now()")) {
          ps.setObject(1, domain);
          ps.setString(2, intent.get());
          ps.setString(3, hostId);
          ps.executeUpdate();
        }
      } else {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q + ".intents WHERE domain = ?")) {
          ps.setObject(1, domain);
          ps.executeUpdate();
        }
      }
    }, lease, () -> loadIntentOn(domain).equals(intent));
  }

  /** The writes of one transaction. */
  @FunctionalInterface
  private interface Work {
    void run(Connection c) throws SQLException;
  }

  /** Tells, on a fresh connection, whether a commit whose acknowledgement was lost happened. */
  @FunctionalInterface
  private interface Check {
    boolean committed() throws SQLException;
  }

  /**
   * Runs {@code work} in one transaction, serialized with the domain's other commits, fenced by the
   * lease if the calling thread holds one, and settles a commit whose acknowledgement was lost.
   */
  private void commit(String operation, Path rows, UUID domain, Work work, @Nullable HeldLease lease, Check check) {
    Connection c;
    try {
      c = connection();
    } catch (SQLException e) {
      throw SqlErrors.translate(operation, jdbcUrl, rows, e);
    }
    try {
      try {
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
          ps.setLong(1, Keys.of("commit", schema, domain.toString()));
          ps.execute();
        }
        if (lease != null) {
          fence(c, lease);
        }
        work.run(c);
      } catch (SQLException | RuntimeException e) {
        rollback(c, e);
        if (e instanceof SQLException s) {
          throw SqlErrors.translate(operation, jdbcUrl, rows, s);
        }
        throw (RuntimeException) e;
      }
      try {
        c.commit();
      } catch (SQLException e) {
        abort(c);
        if (!SqlErrors.isConnectionFailure(e)) {
          // the server answered: the transaction was rolled back
          throw SqlErrors.translate(operation, jdbcUrl, rows, e);
        }
        settle(operation, rows, e, check);
      }
    } finally {
      try {
        c.close();
      } catch (SQLException e) {
        LOG.debug("closing a connection of {} failed", jdbcUrl, e);
      }
    }
  }

  /** The commit's acknowledgement was lost: returns if it happened, throws if it did not. */
  private void settle(String operation, Path rows, SQLException failure, Check check) {
    SQLException last = failure;
    for (int attempt = 0; attempt < SETTLE_TRIES; attempt++) {
      try {
        if (check.committed()) {
          LOG.warn("{}: the connection broke as the change was committed ({}); it was committed", operation,
              SqlErrors.describe(failure));
          return;
        }
        throw SqlErrors.translate(operation + " (the commit did not happen)", jdbcUrl, rows, failure);
      } catch (SQLException e) {
        last = e;
        try {
          Thread.sleep(200L << attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
      }
    }
    failure.addSuppressed(last);
    throw new CommitOutcomeUnknownException(operation + ": the connection broke during the commit and the "
        + "database could not be asked whether it happened", jdbcUrl, rows, SqlErrors.state(failure),
        new IOException(SqlErrors.describe(failure), failure));
  }

  private boolean tokenIs(UUID domain, UUID token) throws SQLException {
    try (Connection c = connection();
        PreparedStatement ps = c.prepareStatement("SELECT save_token FROM " + q + ".domains WHERE uuid = ?")) {
      ps.setObject(1, domain);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && token.equals(rs.getObject(1, UUID.class));
      }
    }
  }

  private boolean domainRowAbsent(UUID domain) throws SQLException {
    try (Connection c = connection();
        PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM " + q + ".domains WHERE uuid = ?")) {
      ps.setObject(1, domain);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1) == 0;
      }
    }
  }

  private Optional<String> loadIntentOn(UUID domain) throws SQLException {
    try (Connection c = connection();
        PreparedStatement ps = c.prepareStatement("SELECT intent FROM " + q + ".intents WHERE domain = ?")) {
      ps.setObject(1, domain);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(rs.getString(1)) : Optional.empty();
      }
    }
  }

  /** Refuses the commit if the lease's epoch was raised since, or its session no longer holds the lock. */
  private void fence(Connection c, HeldLease lease) throws SQLException {
    long epoch;
    try (PreparedStatement ps = c.prepareStatement("SELECT epoch FROM " + q + ".leases WHERE domain = ? FOR SHARE")) {
      ps.setObject(1, lease.domain);
      try (ResultSet rs = ps.executeQuery()) {
        epoch = rs.next() ? rs.getLong(1) : -1;
      }
    }
    if (epoch != lease.epoch) {
      throw new LeaseLostException(lease.domain, "its fencing epoch is " + lease.epoch + " but the domain's is now "
          + epoch + ": another holder took the domain after this lease's session ended");
    }
    boolean holds;
    try (PreparedStatement ps = c.prepareStatement("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
        + "AND granted AND pid = ? AND classid = ?::bigint::oid AND objid = ?::bigint::oid AND objsubid = 1)")) {
      ps.setInt(1, lease.pid);
      ps.setLong(2, lease.key >>> 32);
      ps.setLong(3, lease.key & 0xffffffffL);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        holds = rs.getBoolean(1);
      }
    }
    if (!holds) {
      throw new LeaseLostException(lease.domain, "its database session (backend pid " + lease.pid
          + ") no longer holds the lock: the connection broke or was terminated");
    }
  }

  private static void rollback(Connection c, Exception cause) {
    try {
      c.rollback();
    } catch (SQLException r) {
      cause.addSuppressed(r);
      abort(c);
    }
  }

  /** Discards a connection whose state is unknown, so that the pool does not hand it out again. */
  private static void abort(Connection c) {
    try {
      c.abort(Runnable::run);
    } catch (SQLException | RuntimeException e) {
      LOG.debug("aborting a connection failed", e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // leases

  /** A held lease: the advisory lock on its own connection, and the epoch it raised. */
  private final class HeldLease implements Lease {
    final UUID domain;
    final Thread owner;
    final long epoch;
    final int pid;
    final long key;
    final Connection connection;
    final AtomicBoolean released = new AtomicBoolean();

    HeldLease(UUID domain, long epoch, int pid, long key, Connection connection) {
      this.domain = domain;
      this.owner = Thread.currentThread();
      this.epoch = epoch;
      this.pid = pid;
      this.key = key;
      this.connection = connection;
    }

    @Override
    public void close() {
      if (!released.compareAndSet(false, true)) {
        return;
      }
      held.remove(domain, this);
      open.remove(this);
      boolean unlocked = false;
      try (PreparedStatement ps = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
        ps.setLong(1, key);
        try (ResultSet rs = ps.executeQuery()) {
          unlocked = rs.next() && rs.getBoolean(1);
        }
      } catch (SQLException e) {
        LOG.debug("unlocking domain {} failed; closing its session releases it", domain, e);
      }
      // a session that released its one lock holds nothing: kept for the next lease (connecting costs
      // an authentication); any other is closed, which releases whatever it holds
      if (!unlocked || closed.get() || !idleLeaseConnections.offerFirst(connection)
          || idleLeaseConnections.size() > IDLE_LEASE_CONNECTIONS) {
        idleLeaseConnections.remove(connection);
        try {
          connection.close();
        } catch (SQLException e) {
          LOG.debug("closing the lease connection of domain {} failed", domain, e);
        }
      }
    }

    @Override
    public String toString() {
      return "lease on " + domain + " epoch " + epoch + " (backend pid " + pid + ")";
    }
  }

  private @Nullable HeldLease leaseOfThisThread(UUID domain) {
    HeldLease h = held.get(domain);
    return h != null && h.owner == Thread.currentThread() && !h.released.get() ? h : null;
  }

  /**
   * Holds a domain against every other lease, in this and other processes and hosts: a session-level
   * advisory lock on a connection of its own, tried with a growing back-off (5 to 100 ms) until the
   * timeout. Taking it raises the domain's fencing epoch; this thread's saves and intents of the domain
   * are then refused with {@link LeaseLostException} if the lease's session ends or another lease takes
   * the domain.
   *
   * @param domain the domain's UUID
   * @param timeout how long to wait; zero to try once
   * @return the held lease; closing it releases the domain
   * @throws DomainBusyException if the timeout passed first, naming the holder's host
   * @throws OperationCancelledException if the thread was interrupted while waiting (its interrupt
   *     status set again)
   * @throws PostgresStoreException if the database fails
   */
  @Override
  public Lease lockDomain(UUID domain, Duration timeout) {
    requireNonNull(domain, "domain");
    requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout " + timeout + " is negative");
    }
    checkOpen();
    if (Thread.interrupted()) {
      Thread.currentThread().interrupt();
      throw new OperationCancelledException("interrupted before taking the lease on domain " + domain, null);
    }
    long key = Keys.of("lease", schema, domain.toString());
    String operation = "take the lease on domain " + domain;
    Path rows = rows("leases", domain);
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    Connection c;
    try {
      c = leaseConnection();
    } catch (SQLException e) {
      if (interrupted(e)) {
        Thread.currentThread().interrupt();
        throw new OperationCancelledException("interrupted while connecting to take the lease on domain " + domain, e);
      }
      throw SqlErrors.translate(operation, jdbcUrl, rows, e);
    }
    boolean done = false;
    try {
      long backoff = Duration.ofMillis(5).toNanos();
      try (PreparedStatement ps = c.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
        ps.setLong(1, key);
        while (true) {
          boolean got;
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            got = rs.getBoolean(1);
          }
          if (got) {
            break;
          }
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new DomainBusyException(domain.toString(), Duration.ofNanos(System.nanoTime() - start), holder(c, domain));
          }
          try {
            Thread.sleep(Math.max(1, Math.min(backoff, left) / 1_000_000));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OperationCancelledException("interrupted while waiting for the lease on domain " + domain, e);
          }
          backoff = Math.min(backoff * 2, MAX_BACKOFF.toNanos());
        }
      }
      long epoch;
      int pid;
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + q + ".leases (domain, epoch, host_id, backend_pid) "
          + "VALUES (?, 1, ?, pg_backend_pid()) ON CONFLICT (domain) DO UPDATE SET epoch = " + q + ".leases.epoch + 1, "
          + "host_id = EXCLUDED.host_id, backend_pid = EXCLUDED.backend_pid, since = now() "
          + "RETURNING epoch, backend_pid")) {
        ps.setObject(1, domain);
        ps.setString(2, hostId);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          epoch = rs.getLong(1);
          pid = rs.getInt(2);
        }
      }
      HeldLease lease = new HeldLease(domain, epoch, pid, key, c);
      held.put(domain, lease);
      open.add(lease);
      if (closed.get()) {
        lease.close();
        checkOpen();
      }
      done = true;
      return lease;
    } catch (SQLException e) {
      throw SqlErrors.translate(operation, jdbcUrl, rows, e);
    } finally {
      if (!done) {
        try {
          c.close();
        } catch (SQLException e) {
          LOG.debug("closing a lease connection failed", e);
        }
      }
    }
  }

  /** A session for a lease: a released lease's that still answers, else a new one. */
  private Connection leaseConnection() throws SQLException {
    for (Connection idle; (idle = idleLeaseConnections.pollFirst()) != null; ) {
      try {
        if (idle.isValid(2)) {
          return idle;
        }
      } catch (SQLException e) {
        LOG.debug("a kept lease session is unusable", e);
      }
      try {
        idle.close();
      } catch (SQLException e) {
        LOG.debug("closing a kept lease session failed", e);
      }
    }
    return direct.getConnection();
  }

  /** Tells whether an error of the driver reports an interrupt of this thread (pgjdbc's connect does). */
  private static boolean interrupted(SQLException e) {
    if (Thread.currentThread().isInterrupted()) {
      return true;
    }
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof InterruptedException) {
        return true;
      }
    }
    return false;
  }

  /** Who holds a domain's lease, as recorded when it was taken. */
  private String holder(Connection c, UUID domain) {
    try (PreparedStatement ps = c.prepareStatement("SELECT host_id, backend_pid, since FROM " + q
        + ".leases WHERE domain = ?")) {
      ps.setObject(1, domain);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          return "held by host " + rs.getString(1) + ", database backend pid " + rs.getInt(2) + ", since "
              + rs.getObject(3, OffsetDateTime.class);
        }
      }
    } catch (SQLException e) {
      LOG.debug("cannot read who holds domain {}", domain, e);
    }
    return "held by another session";
  }

  // ---------------------------------------------------------------------------------------------
  // plumbing

  private Connection connection() throws SQLException {
    checkOpen();
    return wrap.apply(pool.getConnection());
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("the snapshot store on " + jdbcUrl + " is closed");
    }
  }

  private Path rows(String table, UUID domain) {
    return Path.of(schema, table, domain.toString());
  }

  /**
   * Closes the store: releases the leases still held through it and closes its connections. Calls
   * after this throw {@link IllegalStateException}; closing again does nothing.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (HeldLease lease : List.copyOf(open)) {
      lease.close();
    }
    for (Connection idle; (idle = idleLeaseConnections.pollFirst()) != null; ) {
      try {
        idle.close();
      } catch (SQLException e) {
        LOG.debug("closing a kept lease session failed", e);
      }
    }
    pool.close();
  }

  @Override
  public String toString() {
    return "PostgresSnapshotStore[" + jdbcUrl + ", schema " + schema + ", host " + hostId + "]";
  }
}
