package io.github.xlsnap.store.postgres;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.XlsnapException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A row of the store cannot be used: a snapshot's JSON document is not JSON, lacks a field, has a
 * field of the wrong type or names another snapshot than its row, or was written in a newer format;
 * or a domain's row is malformed. Such rows are written by no xlsnap: by hand, or by a foreign
 * writer. The store never skips, rewrites or deletes them: loading the domain fails, and other
 * domains are unaffected.
 */
public class CorruptRowException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #rows()}, as a string: {@link Path} is not serializable. */
  private final String rows;

  /**
   * Creates the exception.
   *
   * @param jdbcUrl the database's JDBC URL, without a password
   * @param rows the row path, {@code <schema>/<table>/<domain-uuid>[/<snapshot-name>]}
   * @param detail what is wrong, naming the field
   * @param cause the parser's error, or {@code null}
   */
  public CorruptRowException(String jdbcUrl, Path rows, String detail, @Nullable Throwable cause) {
    super(requireNonNull(rows, "rows") + " in " + requireNonNull(jdbcUrl, "jdbcUrl") + " is unusable: "
        + requireNonNull(detail, "detail"), cause);
    this.rows = rows.toString();
  }

  /**
   * Returns the row path of the unusable row.
   *
   * @return {@code <schema>/<table>/<domain-uuid>[/<snapshot-name>]}
   */
  public Path rows() {
    return Path.of(rows);
  }
}
