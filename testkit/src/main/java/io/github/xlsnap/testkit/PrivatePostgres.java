package io.github.xlsnap.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A private PostgreSQL 15 server for this test JVM, started on first use and stopped (and its
 * directory deleted) when the JVM exits: {@code initdb} into a fresh directory under the temporary
 * directory, {@code pg_ctl -w start} on a free TCP port of 127.0.0.1 (and a Unix socket in that
 * directory), password authentication over TCP. PostgreSQL refuses to run as root, so as root (CI) the
 * server runs as the {@code postgres} user through {@code runuser}; as any other user it runs as that
 * user. Needs Debian's {@code postgresql-15} (or {@code -Dxlsnap.test.pgbin=<dir>} naming the binaries),
 * and the PostgreSQL JDBC driver on the test class path for {@link #connect}. For the tests of
 * {@code xlsnap-snapshot-store-postgres} and of programs that use it (the {@code xlsnap} command).
 */
public final class PrivatePostgres {
  /** The directory of {@code initdb} and {@code pg_ctl}: {@code -Dxlsnap.test.pgbin}, default Debian's. */
  public static final Path BIN = Path.of(System.getProperty("xlsnap.test.pgbin", "/usr/lib/postgresql/15/bin"));
  /** The superuser's name. */
  public static final String SUPERUSER = "postgres";
  /** The superuser's password, for connections over TCP. */
  public static final String PASSWORD = "xlsnap-test-password";

  private static @Nullable PrivatePostgres instance;
  private static final AtomicInteger DATABASES = new AtomicInteger();

  private final Path dir;
  private final int port;
  private final boolean asPostgresUser;

  private PrivatePostgres(Path dir, int port, boolean asPostgresUser) {
    this.dir = dir;
    this.port = port;
    this.asPostgresUser = asPostgresUser;
  }

  /**
   * Returns this JVM's shared server, starting it the first time.
   *
   * @return the server
   * @throws IllegalStateException if PostgreSQL is not installed or does not start
   */
  public static synchronized PrivatePostgres get() {
    if (instance == null) {
      instance = start();
    }
    return instance;
  }

  /**
   * Starts another server of its own, for a test that stops and restarts it ({@link #stop},
   * {@link #startAgain}); it is deleted when the JVM exits.
   *
   * @return the server
   */
  public static PrivatePostgres startDedicated() {
    return start();
  }

  private static PrivatePostgres start() {
    if (!Files.isExecutable(BIN.resolve("initdb")) || !Files.isExecutable(BIN.resolve("pg_ctl"))) {
      throw new IllegalStateException("PostgreSQL 15 is not installed: " + BIN.resolve("initdb") + " and pg_ctl are "
          + "missing. Install Debian's postgresql-15 (apt-get install -y postgresql-15), as .ci/run does; the tests "
          + "of snapshot-store-postgres start a private server of their own");
    }
    try {
      boolean root = "root".equals(System.getProperty("user.name")) || uid() == 0;
      Path dir = Files.createTempDirectory("xlsnap-pg-");
      Path pwfile = dir.resolve("pwfile");
      Files.writeString(pwfile, PASSWORD + "\n", StandardCharsets.UTF_8);
      Files.createDirectories(dir.resolve("sock"));
      if (root) {
        run(List.of("chown", "-R", "postgres:postgres", dir.toString()), false);
      }
      @Nullable PrivatePostgres pg = null;
      run(List.of(BIN.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", SUPERUSER,
          "--pwfile=" + pwfile, "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C",
          "--no-sync"), root);
      @Nullable IOException last = null;
      for (int attempt = 0; attempt < 5 && pg == null; attempt++) {
        int port = freePort();
        // fsync off: the tests never crash the machine, only processes and sessions
        List<String> cmd = List.of(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w",
            "-t", "60", "-l", dir.resolve("server.log").toString(), "-o",
            "-p " + port + " -k " + dir.resolve("sock") + " -c listen_addresses=127.0.0.1 -c max_connections=300"
                + " -c fsync=off -c full_page_writes=off", "start");
        try {
          run(cmd, root);
          pg = new PrivatePostgres(dir, port, root);
        } catch (IOException e) {
          last = e; // the port may have been taken meanwhile
        }
      }
      if (pg == null) {
        throw new IllegalStateException("cannot start PostgreSQL in " + dir, last);
      }
      PrivatePostgres started = pg;
      Runtime.getRuntime().addShutdownHook(new Thread(started::stopAndDelete, "stop-private-postgres"));
      return started;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start a private PostgreSQL", e);
    }
  }

  private static long uid() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return ((Number) uid).longValue();
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private static void run(List<String> command, boolean asPostgres) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (asPostgres) {
      cmd.addAll(List.of("runuser", "-u", "postgres", "--"));
    }
    cmd.addAll(command);
    Path out = Files.createTempFile("xlsnap-pg-cmd-", ".log");
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
      pb.directory(Path.of(System.getProperty("java.io.tmpdir")).toFile());
      Process p = pb.start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not end within 120 s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " exited with " + p.exitValue() + ":\n" + Files.readString(out));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } finally {
      Files.deleteIfExists(out);
    }
  }

  private void stopAndDelete() {
    try {
      run(List.of(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "immediate", "-w",
          "stop"), asPostgresUser);
    } catch (IOException e) {
      System.err.println("cannot stop the private PostgreSQL in " + dir + ": " + e);
    }
    try (Stream<Path> all = Files.walk(dir)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("cannot delete " + dir + ": " + e);
    }
  }

  /**
   * Stops the server as an administrator would ({@code pg_ctl stop -m fast}: sessions are ended).
   *
   * @throws IOException if {@code pg_ctl} fails
   */
  public void stop() throws IOException {
    run(List.of(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"),
        asPostgresUser);
  }

  /**
   * Starts the stopped server again, on the same port.
   *
   * @throws IOException if {@code pg_ctl} fails
   */
  public void startAgain() throws IOException {
    run(List.of(BIN.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString(), "-w", "-t", "60", "-l",
        dir.resolve("server.log").toString(), "-o", "-p " + port + " -k " + dir.resolve("sock")
            + " -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c full_page_writes=off", "start"),
        asPostgresUser);
  }

  /**
   * Returns the server's TCP port on 127.0.0.1.
   *
   * @return the port
   */
  public int port() {
    return port;
  }

  /**
   * Returns the JDBC URL of a database of this server.
   *
   * @param database the database's name
   * @return {@code jdbc:postgresql://127.0.0.1:<port>/<database>}
   */
  public String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  /**
   * Connects to a database as the superuser.
   *
   * @param database the database's name
   * @return the connection
   * @throws SQLException if the connection fails
   */
  public Connection connect(String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", SUPERUSER);
    p.setProperty("password", PASSWORD);
    return DriverManager.getConnection(url(database), p);
  }

  /**
   * Creates a fresh, empty database.
   *
   * @param hint a word for its name
   * @return its name, unique in this JVM
   */
  public String createDatabase(String hint) {
    String name = (hint.replaceAll("[^A-Za-z0-9]", "_") + "_" + DATABASES.incrementAndGet()).toLowerCase(Locale.ROOT);
    if (name.length() > 60) {
      name = name.substring(name.length() - 60);
    }
    name = "t_" + name;
    try (Connection c = connect("postgres"); Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE \"" + name + "\"");
    } catch (SQLException e) {
      throw new IllegalStateException("cannot create database " + name, e);
    }
    return name;
  }

  /**
   * Runs one statement in a database as the superuser.
   *
   * @param database the database's name
   * @param sql the statement
   */
  public void execute(String database, String sql) {
    try (Connection c = connect(database); Statement st = c.createStatement()) {
      st.execute(sql);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot run " + sql + " in " + database, e);
    }
  }
}
