package io.github.xlsnap.store.postgres;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.XlsnapException;

/**
 * The database's xlsnap schema is at a newer version than this xlsnap knows: a newer xlsnap migrated
 * it. {@link PostgresSnapshotStore#open} refuses it rather than read or write tables whose meaning it
 * does not know; upgrade xlsnap on this host. Nothing was changed.
 */
public class SchemaVersionException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #found()}. */
  private final int found;
  /** Returned by {@link #supported()}. */
  private final int supported;

  /**
   * Creates the exception.
   *
   * @param jdbcUrl the database's JDBC URL, without a password
   * @param schema the PostgreSQL schema of the store's tables
   * @param found the version found in the database
   * @param supported the newest version this xlsnap knows
   */
  public SchemaVersionException(String jdbcUrl, String schema, int found, int supported) {
    super("the xlsnap schema \"" + requireNonNull(schema, "schema") + "\" in " + requireNonNull(jdbcUrl, "jdbcUrl")
        + " is at version " + found + ", newer than " + supported + ", the newest this xlsnap knows: a newer xlsnap "
        + "migrated it; upgrade xlsnap on this host (nothing was changed)");
    this.found = found;
    this.supported = supported;
  }

  /**
   * Returns the version found in the database.
   *
   * @return the version
   */
  public int found() {
    return found;
  }

  /**
   * Returns the newest version this xlsnap knows.
   *
   * @return the version
   */
  public int supported() {
    return supported;
  }
}
