package io.github.xlsnap.libxl;

/**
 * A long libxl operation ({@code libxl_domain_suspend} of a checkpoint, the domain creation of a
 * restore) was cancelled: the calling thread was interrupted, or the timeout given to
 * {@link Libxl#open(java.time.Duration)} passed, and xlsnap asked libxl to abort it
 * ({@code libxl_ao_abort}). Thrown only once libxl has ended the operation and xlsnap has undone
 * what it left behind (see {@link LibxlHypervisor#checkpoint} and {@link LibxlHypervisor#restore}).
 * {@link #code()} is the code libxl ended the operation with, normally {@code ERROR_ABORTED} (-22,
 * also used when the thread was interrupted before the operation started). When the thread was
 * interrupted, its interrupt status is set again when this is thrown. Immutable.
 */
public final class LibxlCancelledException extends LibxlException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param function the libxl function that was cancelled
   * @param code the code libxl ended it with
   * @param errorName the code's name from {@code libxl_error_to_string}
   * @param message what was cancelled, why, and in which state it was left
   */
  public LibxlCancelledException(String function, int code, String errorName, String message) {
    super(function, code, errorName, message);
  }
}
