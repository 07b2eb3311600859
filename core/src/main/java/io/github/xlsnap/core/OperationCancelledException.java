package io.github.xlsnap.core;

/**
 * The calling thread was interrupted while an operation waited or ran, and the operation was
 * abandoned: as with any failure it was rolled back, or, if it had passed its commit point,
 * completed. The thread's interrupt status is set again before this is thrown.
 */
public class OperationCancelledException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what was cancelled, naming the domain
   * @param cause the {@link InterruptedException} or other signal of the interrupt, if any
   */
  public OperationCancelledException(String message, @org.jspecify.annotations.Nullable Throwable cause) {
    super(message, cause);
  }
}
