package io.github.xlsnap.libxl;

import java.util.Optional;

/**
 * libxl's error codes ({@code libxl_error} in {@code _libxl_types.h}, 4.17), each with its numeric
 * value. A code this version does not list stays a raw {@code int} in {@link LibxlException#code()}.
 */
public enum LibxlError {
  /** {@code ERROR_NONSPECIFIC}. */
  NONSPECIFIC(-1),
  /** {@code ERROR_VERSION}. */
  VERSION(-2),
  /** {@code ERROR_FAIL}. */
  FAIL(-3),
  /** {@code ERROR_NI}: not implemented. */
  NI(-4),
  /** {@code ERROR_NOMEM}. */
  NOMEM(-5),
  /** {@code ERROR_INVAL}. */
  INVAL(-6),
  /** {@code ERROR_BADFAIL}. */
  BADFAIL(-7),
  /** {@code ERROR_GUEST_TIMEDOUT}; also what a live suspend returns when log-dirty is unavailable. */
  GUEST_TIMEDOUT(-8),
  /** {@code ERROR_TIMEDOUT}. */
  TIMEDOUT(-9),
  /** {@code ERROR_NOPARAVIRT}. */
  NOPARAVIRT(-10),
  /** {@code ERROR_NOT_READY}. */
  NOT_READY(-11),
  /** {@code ERROR_OSEVENT_REG_FAIL}. */
  OSEVENT_REG_FAIL(-12),
  /** {@code ERROR_BUFFERFULL}. */
  BUFFERFULL(-13),
  /** {@code ERROR_UNKNOWN_CHILD}. */
  UNKNOWN_CHILD(-14),
  /** {@code ERROR_LOCK_FAIL}. */
  LOCK_FAIL(-15),
  /** {@code ERROR_JSON_CONFIG_EMPTY}. */
  JSON_CONFIG_EMPTY(-16),
  /** {@code ERROR_DEVICE_EXISTS}. */
  DEVICE_EXISTS(-17),
  /** {@code ERROR_CHECKPOINT_DEVOPS_DOES_NOT_MATCH}. */
  CHECKPOINT_DEVOPS_DOES_NOT_MATCH(-18),
  /** {@code ERROR_CHECKPOINT_DEVICE_NOT_SUPPORTED}. */
  CHECKPOINT_DEVICE_NOT_SUPPORTED(-19),
  /** {@code ERROR_VNUMA_CONFIG_INVALID}. */
  VNUMA_CONFIG_INVALID(-20),
  /** {@code ERROR_DOMAIN_NOTFOUND}. */
  DOMAIN_NOTFOUND(-21),
  /** {@code ERROR_ABORTED}. */
  ABORTED(-22),
  /** {@code ERROR_NOTFOUND}. */
  NOTFOUND(-23),
  /** {@code ERROR_DOMAIN_DESTROYED}. */
  DOMAIN_DESTROYED(-24),
  /** {@code ERROR_FEATURE_REMOVED}. */
  FEATURE_REMOVED(-25),
  /** {@code ERROR_PROTOCOL_ERROR_QMP}. */
  PROTOCOL_ERROR_QMP(-26),
  /** {@code ERROR_UNKNOWN_QMP_ERROR}. */
  UNKNOWN_QMP_ERROR(-27),
  /** {@code ERROR_QMP_GENERIC_ERROR}. */
  QMP_GENERIC_ERROR(-28),
  /** {@code ERROR_QMP_COMMAND_NOT_FOUND}. */
  QMP_COMMAND_NOT_FOUND(-29),
  /** {@code ERROR_QMP_DEVICE_NOT_ACTIVE}. */
  QMP_DEVICE_NOT_ACTIVE(-30),
  /** {@code ERROR_QMP_DEVICE_NOT_FOUND}. */
  QMP_DEVICE_NOT_FOUND(-31),
  /** {@code ERROR_QEMU_API}. */
  QEMU_API(-32);

  private final int code;

  LibxlError(int code) {
    this.code = code;
  }

  /**
   * Returns libxl's numeric value.
   *
   * @return the negative {@code ERROR_*} value
   */
  public int code() {
    return code;
  }

  /**
   * Maps a libxl return code to the constant.
   *
   * @param code a libxl return code
   * @return the constant, empty for 0 and for codes this version does not list
   */
  public static Optional<LibxlError> fromCode(int code) {
    for (LibxlError e : values()) {
      if (e.code == code) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }
}
