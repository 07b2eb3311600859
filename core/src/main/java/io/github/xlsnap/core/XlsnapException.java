package io.github.xlsnap.core;

import org.jspecify.annotations.Nullable;

/**
 * The root of every exception xlsnap throws. Unchecked: callers catch the typed subclasses they can
 * act on ({@link DomainNotFoundException}, {@link SnapshotNotFoundException}, ...) and treat the rest
 * as failures of the operation, which xlsnap has already rolled back.
 */
public class XlsnapException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong, naming the domain, snapshot or file concerned
   */
  public XlsnapException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what went wrong, naming the domain, snapshot or file concerned
   * @param cause the underlying failure, or {@code null}
   */
  public XlsnapException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }
}
