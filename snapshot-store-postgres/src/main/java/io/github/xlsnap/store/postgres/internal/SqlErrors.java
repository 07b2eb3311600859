package io.github.xlsnap.store.postgres.internal;

import io.github.xlsnap.store.postgres.DatabaseAuthenticationException;
import io.github.xlsnap.store.postgres.DatabaseReadOnlyException;
import io.github.xlsnap.store.postgres.DatabaseUnreachableException;
import io.github.xlsnap.store.postgres.PostgresStoreException;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.jspecify.annotations.Nullable;

/** Turns the driver's and the pool's {@link SQLException}s into the store's typed exceptions. */
public final class SqlErrors {
  private SqlErrors() {}

  /**
   * The SQLSTATE that says most about an error: the first in its chain of causes that is set, the
   * database's or driver's own rather than the pool's.
   *
   * @param e the error
   * @return the state, or null
   */
  public static @Nullable String state(SQLException e) {
    String found = null;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s && s.getSQLState() != null) {
        found = s.getSQLState();
        if (t.getClass().getName().startsWith("org.postgresql.")) {
          return found;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return found;
  }

  /**
   * Tells whether an error means the connection is gone or could not be made.
   *
   * @param e the error
   * @return whether it is a connection failure
   */
  public static boolean isConnectionFailure(SQLException e) {
    String state = state(e);
    if (state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
        || state.equals("57P03"))) {
      return true;
    }
    return e instanceof SQLTransientConnectionException || e instanceof SQLNonTransientConnectionException;
  }

  /**
   * Translates an error.
   *
   * @param operation what was being done
   * @param jdbcUrl the URL, without a password
   * @param rows the row path concerned, or null
   * @param e the error
   * @return the exception to throw
   */
  public static PostgresStoreException translate(String operation, String jdbcUrl, @Nullable Path rows,
      SQLException e) {
    String state = state(e);
    IOException cause = new IOException(describe(e), e);
    if (state != null && state.startsWith("28")) {
      return new DatabaseAuthenticationException(operation, jdbcUrl, rows, state, cause);
    }
    if ("25006".equals(state)) {
      return new DatabaseReadOnlyException(operation, jdbcUrl, rows, state, cause);
    }
    if (isConnectionFailure(e)) {
      return new DatabaseUnreachableException(operation, jdbcUrl, rows, state, cause);
    }
    return new PostgresStoreException(operation, jdbcUrl, rows, state, cause);
  }

  /**
   * The messages of an error's chain, the pool's and the driver's, without repeats.
   *
   * @param e the error
   * @return the text
   */
  public static String describe(Throwable e) {
    StringBuilder b = new StringBuilder();
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage());
      if (b.indexOf(m) < 0) {
        if (b.length() > 0) {
          b.append(": ");
        }
        b.append(m);
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return b.toString();
  }
}
