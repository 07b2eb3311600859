package io.github.xlsnap.core;

import java.util.Locale;
import java.util.Optional;

/**
 * A disk image format, as xl's {@code format=} disk key and libxl's {@code libxl_disk_format} name
 * it. Each constant keeps libxl's numeric value.
 */
public enum DiskFormat {
  /** Format not known ({@code LIBXL_DISK_FORMAT_UNKNOWN}, 0). */
  UNKNOWN(0),
  /** qcow version 1 (1). */
  QCOW(1),
  /** qcow2, the format that supports internal snapshots and overlays (2). */
  QCOW2(2),
  /** VHD (3). */
  VHD(3),
  /** Raw image or block device (4). */
  RAW(4),
  /** An empty drive, e.g. an ejected cdrom (5). */
  EMPTY(5),
  /** QED (6). */
  QED(6);

  private final int code;

  DiskFormat(int code) {
    this.code = code;
  }

  /**
   * Returns libxl's numeric value.
   *
   * @return the {@code libxl_disk_format} value
   */
  public int code() {
    return code;
  }

  /**
   * Returns the name xl and qemu-img use, e.g. {@code qcow2}.
   *
   * @return the lowercase name
   */
  public String xlName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Maps a libxl numeric value to the constant.
   *
   * @param code a {@code libxl_disk_format} value
   * @return the matching constant, {@link #UNKNOWN} for any value not listed
   */
  public static DiskFormat fromCode(int code) {
    for (DiskFormat f : values()) {
      if (f.code == code) {
        return f;
      }
    }
    return UNKNOWN;
  }

  /**
   * Reads a format name as xl and qemu-img write it, ignoring case.
   *
   * @param name e.g. {@code qcow2} or {@code raw}
   * @return the format, empty if the name is not one of these
   */
  public static Optional<DiskFormat> fromXlName(String name) {
    for (DiskFormat f : values()) {
      if (f.name().equalsIgnoreCase(name)) {
        return Optional.of(f);
      }
    }
    return Optional.empty();
  }
}
