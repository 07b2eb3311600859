package io.github.xlsnap.store.postgres;

import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The database accepts no writes (SQLSTATE {@code 25006}): a hot standby, or a database or role with {@code default_transaction_read_only} set. {@link PostgresSnapshotStore#open} refuses such a database, as every snapshot operation writes; a save that meets it committed nothing.
 */
public class DatabaseReadOnlyException extends PostgresStoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param operation what was being done, in a few words
   * @param jdbcUrl the database's JDBC URL, without a password
   * @param rows the row path of what the call concerned, or {@code null} if none
   * @param sqlState the SQLSTATE reported, or {@code null}
   * @param cause the error, an {@link IOException} whose cause is the driver's
   */
  public DatabaseReadOnlyException(String operation, String jdbcUrl, @Nullable Path rows, @Nullable String sqlState,
      IOException cause) {
    super(operation, jdbcUrl, rows, sqlState, cause);
  }
}
