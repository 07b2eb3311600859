package io.github.xlsnap.store.postgres;

import java.io.IOException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * The connection broke while a {@code save} or {@code saveIntent} committed, and the store could not
 * reach the database again, within a few seconds, to find out whether the commit happened. This is
 * the one failure after which the SPI's "a call that throws committed nothing" cannot be promised by
 * any client of a remote database; the store retries the check before it gives up. The next load, by
 * any host, sees what the database holds. Rare: it needs the connection to break exactly between the
 * commit's request and its acknowledgement, and the database to stay unreachable.
 */
public class CommitOutcomeUnknownException extends DatabaseUnreachableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param operation what was being committed
   * @param jdbcUrl the database's JDBC URL, without a password
   * @param rows the row path of what the call concerned, or {@code null}
   * @param sqlState the SQLSTATE reported, or {@code null}
   * @param cause the error, an {@link IOException} whose cause is the driver's
   */
  public CommitOutcomeUnknownException(String operation, String jdbcUrl, @Nullable Path rows,
      @Nullable String sqlState, IOException cause) {
    super(operation, jdbcUrl, rows, sqlState, cause);
  }
}
