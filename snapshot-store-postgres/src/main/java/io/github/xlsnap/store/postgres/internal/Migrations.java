package io.github.xlsnap.store.postgres.internal;

import io.github.xlsnap.store.postgres.SchemaVersionException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The store's schema, as numbered migrations recorded in {@code <schema>.xlsnap_schema}, applied on
 * open in one transaction under a transaction-level advisory lock, so that hosts opening the store at
 * once apply each migration once. A database at a newer version than {@link #LATEST} is refused.
 */
public final class Migrations {
  /** The SQL of each migration, version 1 first; {@code %s} stands for the quoted schema. */
  private static final List<String> STEPS = List.of("""
      CREATE TABLE %1$s.domains (
        uuid uuid PRIMARY KEY,
        generation bigint NOT NULL,
        current_snapshot text,
        owned_images jsonb NOT NULL,
        deferred_cleanups jsonb NOT NULL,
        save_token uuid NOT NULL,
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE %1$s.snapshots (
        domain uuid NOT NULL REFERENCES %1$s.domains (uuid) DEFERRABLE INITIALLY DEFERRED,
        name text NOT NULL,
        ord integer NOT NULL,
        parent text,
        sibling_ord integer NOT NULL,
        create_time timestamptz NOT NULL,
        doc text NOT NULL,
        PRIMARY KEY (domain, name),
        FOREIGN KEY (domain, parent) REFERENCES %1$s.snapshots (domain, name) DEFERRABLE INITIALLY DEFERRED,
        CHECK (parent IS DISTINCT FROM name));
      CREATE INDEX snapshots_parent ON %1$s.snapshots (domain, parent);
      CREATE TABLE %1$s.intents (
        domain uuid PRIMARY KEY,
        intent text NOT NULL,
        host_id text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE %1$s.leases (
        domain uuid PRIMARY KEY,
        epoch bigint NOT NULL,
        host_id text NOT NULL,
        backend_pid integer NOT NULL,
        since timestamptz NOT NULL DEFAULT now());
      CREATE TABLE %1$s.pool_settings (
        key text PRIMARY KEY,
        value text NOT NULL);
      """);

  /** The newest schema version this code knows. */
  public static final int LATEST = STEPS.size();

  private Migrations() {}

  /**
   * Brings the schema to {@link #LATEST}, creating it if absent, in one transaction.
   *
   * @param c a connection, in auto-commit mode or not; left in auto-commit mode
   * @param schema the schema's name, already checked to be a plain identifier
   * @param lockKey the advisory lock key that serializes migrations of this schema
   * @param jdbcUrl for messages
   * @return the version the schema was at before, 0 if it was created
   * @throws SQLException if the database fails
   * @throws SchemaVersionException if the schema is newer than this code
   */
  public static int migrate(Connection c, String schema, long lockKey, String jdbcUrl) throws SQLException {
    String q = '"' + schema + '"';
    c.setAutoCommit(false);
    try {
      try (PreparedStatement lock = c.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
        lock.setLong(1, lockKey);
        lock.execute();
      }
      int version = 0;
      boolean exists;
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT to_regclass(?) IS NOT NULL")) {
        ps.setString(1, q + ".xlsnap_schema");
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          exists = rs.getBoolean(1);
        }
      }
      if (exists) {
        try (Statement st = c.createStatement();
            ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM " + q + ".xlsnap_schema")) {
          rs.next();
          version = rs.getInt(1);
        }
      }
      if (version > LATEST) {
        c.rollback();
        throw new SchemaVersionException(jdbcUrl, schema, version, LATEST);
      }
      if (version < LATEST) {
        try (Statement st = c.createStatement()) {
          st.execute("CREATE SCHEMA IF NOT EXISTS " + q);
          st.execute("CREATE TABLE IF NOT EXISTS " + q + ".xlsnap_schema (version integer PRIMARY KEY, "
              + "applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL)");
          for (int v = version + 1; v <= LATEST; v++) {
            st.execute(String.format(STEPS.get(v - 1), q));
            try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO " + q + ".xlsnap_schema (version, applied_by) VALUES (?, current_user)")) {
              ps.setInt(1, v);
              ps.executeUpdate();
            }
          }
        }
      }
      c.commit();
      return version;
    } catch (SQLException | RuntimeException e) {
      try {
        c.rollback();
      } catch (SQLException r) {
        e.addSuppressed(r);
      }
      throw e;
    } finally {
      c.setAutoCommit(true);
    }
  }
}
