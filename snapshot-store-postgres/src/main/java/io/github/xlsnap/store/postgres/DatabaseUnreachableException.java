package io.github.xlsnap.store.postgres;

import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The database cannot be reached: the server is down or not listening (connection refused or timed out), or the connection broke during the call (SQLSTATE class {@code 08}). Nothing was committed; retry once the database is back.
 */
public class DatabaseUnreachableException extends PostgresStoreException {
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
  public DatabaseUnreachableException(String operation, String jdbcUrl, @Nullable Path rows, @Nullable String sqlState,
      IOException cause) {
    super(operation, jdbcUrl, rows, sqlState, cause);
  }
}
