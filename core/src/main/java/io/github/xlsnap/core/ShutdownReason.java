package io.github.xlsnap.core;

/**
 * Why a domain shut down, as libxl reports it ({@code libxl_shutdown_reason}). Each constant keeps
 * libxl's numeric value; values this version does not know map to {@link #UNKNOWN}.
 */
public enum ShutdownReason {
  /** The reason is not known ({@code LIBXL_SHUTDOWN_REASON_UNKNOWN}, -1). */
  UNKNOWN(-1),
  /** The guest powered off (0). */
  POWEROFF(0),
  /** The guest asked to reboot (1). */
  REBOOT(1),
  /** The guest suspended, as after a checkpoint or save (2). */
  SUSPEND(2),
  /** The guest crashed (3). */
  CRASH(3),
  /** The guest's watchdog fired (4). */
  WATCHDOG(4),
  /** The guest asked for a soft reset (5). */
  SOFT_RESET(5);

  private final int code;

  ShutdownReason(int code) {
    this.code = code;
  }

  /**
   * Returns libxl's numeric value.
   *
   * @return the {@code libxl_shutdown_reason} value
   */
  public int code() {
    return code;
  }

  /**
   * Maps a libxl numeric value to the constant.
   *
   * @param code a {@code libxl_shutdown_reason} value
   * @return the matching constant, {@link #UNKNOWN} for any value not listed
   */
  public static ShutdownReason fromCode(int code) {
    for (ShutdownReason r : values()) {
      if (r.code == code) {
        return r;
      }
    }
    return UNKNOWN;
  }
}
