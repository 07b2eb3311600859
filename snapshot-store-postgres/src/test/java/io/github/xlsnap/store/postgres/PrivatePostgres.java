package io.github.xlsnap.store.postgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * This module's tests' view of the test kit's private PostgreSQL server
 * ({@link io.github.xlsnap.testkit.PrivatePostgres}), with a store builder as the superuser.
 */
final class PrivatePostgres {
  static final String SUPERUSER = io.github.xlsnap.testkit.PrivatePostgres.SUPERUSER;
  static final String PASSWORD = io.github.xlsnap.testkit.PrivatePostgres.PASSWORD;

  private final io.github.xlsnap.testkit.PrivatePostgres server;

  private PrivatePostgres(io.github.xlsnap.testkit.PrivatePostgres server) {
    this.server = server;
  }

  /** Returns the JVM's shared server, starting it the first time. */
  static PrivatePostgres get() {
    return new PrivatePostgres(io.github.xlsnap.testkit.PrivatePostgres.get());
  }

  /** Starts a server of its own, for a test that stops and restarts it. */
  static PrivatePostgres startDedicated() {
    return new PrivatePostgres(io.github.xlsnap.testkit.PrivatePostgres.startDedicated());
  }

  void stop() throws IOException {
    server.stop();
  }

  void startAgain() throws IOException {
    server.startAgain();
  }

  int port() {
    return server.port();
  }

  String url(String database) {
    return server.url(database);
  }

  /** A store builder for a database, as the superuser with the password. */
  PostgresSnapshotStore.Builder builder(String database) {
    return PostgresSnapshotStore.builder(url(database)).user(SUPERUSER).password(PASSWORD);
  }

  Connection connect(String database) throws SQLException {
    return server.connect(database);
  }

  String createDatabase(String hint) {
    return server.createDatabase(hint);
  }

  void execute(String database, String sql) {
    server.execute(database, sql);
  }
}
