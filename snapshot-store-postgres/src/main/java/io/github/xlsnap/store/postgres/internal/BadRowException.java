package io.github.xlsnap.store.postgres.internal;

/** A stored document or value that cannot be decoded; the store turns it into its public exception. */
public final class BadRowException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param detail what is wrong, naming the field
   * @param cause the parser's error, or null
   */
  public BadRowException(String detail, @org.jspecify.annotations.Nullable Throwable cause) {
    super(detail, cause);
  }
}
