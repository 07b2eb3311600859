package io.github.xlsnap.store.postgres;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.XlsnapIOException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A call of {@link PostgresSnapshotStore} failed in the database: the statement or the connection
 * failed. The message names the operation, the database (its JDBC URL, never a password), the rows
 * concerned and the SQLSTATE; the {@linkplain #getCause() cause} is an {@link IOException} whose own
 * cause is the driver's error.
 *
 * <p>It is an {@link XlsnapIOException}, as the {@link io.github.xlsnap.core.spi.SnapshotStore} SPI
 * asks of a store's I/O errors, and what it means for data is what the SPI says of a failed call: a
 * {@code save} or {@code saveIntent} that throws it committed nothing (the store settles a commit
 * whose acknowledgement was lost before it throws). Its {@link #file()} is the <em>row path</em> of
 * what the call concerned, {@code <schema>/<table>/<domain-uuid>}, the database's counterpart of the
 * JSON store's file. Subclasses say why, where the reason is known: {@link DatabaseUnreachableException},
 * {@link DatabaseAuthenticationException}, {@link DatabaseReadOnlyException}.
 */
public class PostgresStoreException extends XlsnapIOException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #jdbcUrl()}. */
  private final String jdbcUrl;
  /** Returned by {@link #sqlState()}; null if the driver gave none. */
  private final @Nullable String sqlState;

  /**
   * Creates the exception.
   *
   * @param operation what was being done, in a few words ({@code "save metadata of domain ..."})
   * @param jdbcUrl the database's JDBC URL, without a password
   * @param rows the row path of what the call concerned, or {@code null} if none
   * @param sqlState the SQLSTATE the database or driver reported, or {@code null}
   * @param cause the error, an {@link IOException} whose cause is the driver's
   */
  public PostgresStoreException(String operation, String jdbcUrl, @Nullable Path rows, @Nullable String sqlState,
      IOException cause) {
    super(requireNonNull(operation, "operation") + " in " + requireNonNull(jdbcUrl, "jdbcUrl")
        + (sqlState == null ? "" : " (SQLSTATE " + sqlState + ")"), rows, cause);
    this.jdbcUrl = jdbcUrl;
    this.sqlState = sqlState;
  }

  /**
   * Returns the database's JDBC URL, without a password.
   *
   * @return the URL
   */
  public String jdbcUrl() {
    return jdbcUrl;
  }

  /**
   * Returns the SQLSTATE the database or the driver reported.
   *
   * @return the five-character code, empty if none was reported
   */
  public Optional<String> sqlState() {
    return Optional.ofNullable(sqlState);
  }
}
