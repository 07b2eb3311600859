package io.github.xlsnap.store.postgres;

import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The database refused the store's credentials (SQLSTATE class {@code 28}): a wrong user or password, or no {@code pg_hba.conf} entry for this host. Nothing was committed.
 */
public class DatabaseAuthenticationException extends PostgresStoreException {
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
  public DatabaseAuthenticationException(String operation, String jdbcUrl, @Nullable Path rows, @Nullable String sqlState,
      IOException cause) {
    super(operation, jdbcUrl, rows, sqlState, cause);
  }
}
