package io.github.xlsnap.libxl;

import io.github.xlsnap.core.HypervisorException;
import java.util.Optional;

/**
 * A libxl function returned an error. Carries the raw code ({@link #code()}), its name as
 * {@code libxl_error_to_string} gives it, and the C function that returned it
 * ({@link #operation()}, e.g. {@code libxl_domain_suspend}). Immutable.
 */
public class LibxlException extends HypervisorException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #errorName()}. */
  private final String errorName;

  /**
   * Creates the exception.
   *
   * @param function the libxl function that failed
   * @param code its negative return code
   * @param errorName the code's name from {@code libxl_error_to_string}
   * @param message what failed, naming the domain
   */
  public LibxlException(String function, int code, String errorName, String message) {
    super(function, code, message + " (libxl error " + code + " " + errorName + ")", null);
    this.errorName = errorName;
  }

  /**
   * Returns the code's name as libxl prints it.
   *
   * @return the name from {@code libxl_error_to_string}
   */
  public String errorName() {
    return errorName;
  }

  /**
   * Returns the code as a constant.
   *
   * @return the error, empty if this version does not know the code
   */
  public Optional<LibxlError> error() {
    return LibxlError.fromCode(code());
  }
}
