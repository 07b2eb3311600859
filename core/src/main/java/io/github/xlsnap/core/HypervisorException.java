package io.github.xlsnap.core;

import org.jspecify.annotations.Nullable;

/**
 * A hypervisor primitive failed. Carries the primitive's name and, for native backends, the raw
 * error code (for libxl, the negative {@code ERROR_*} value).
 */
public class HypervisorException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #operation()}. */
  private final String operation;
  /** Returned by {@link #code()}. */
  private final int code;

  /**
   * Creates the exception.
   *
   * @param operation the primitive that failed, e.g. {@code checkpoint} or {@code libxl_domain_suspend}
   * @param code the backend's raw error code, or 0 when it has none
   * @param message what failed, naming the domain
   * @param cause the underlying failure, or {@code null}
   */
  public HypervisorException(String operation, int code, String message, @Nullable Throwable cause) {
    super(operation + ": " + message, cause);
    this.operation = operation;
    this.code = code;
  }

  /**
   * Returns the primitive that failed.
   *
   * @return the operation name
   */
  public String operation() {
    return operation;
  }

  /**
   * Returns the backend's raw error code.
   *
   * @return the code, or 0 when the backend has none
   */
  public int code() {
    return code;
  }
}
