package io.github.xlsnap.core.disk;

import io.github.xlsnap.core.DiskFormat;

/**
 * Translates between {@link DiskFormat} and qemu's format names. They are xl's names except for
 * VHD, which qemu calls {@code vpc}.
 */
final class QemuFormatNames {
  private static final String QEMU_VHD = "vpc";

  private QemuFormatNames() {}

  /**
   * Returns qemu's name of a format.
   *
   * @param format a format qemu can open
   * @return e.g. {@code qcow2}
   * @throws IllegalArgumentException for {@link DiskFormat#UNKNOWN} and {@link DiskFormat#EMPTY}
   */
  static String qemuName(DiskFormat format) {
    return switch (format) {
      case UNKNOWN, EMPTY -> throw new IllegalArgumentException(
          "format " + format + " names no image format qemu can open");
      case VHD -> QEMU_VHD;
      default -> format.xlName();
    };
  }

  /**
   * Reads a format name that qemu printed.
   *
   * @param qemuName e.g. {@code qcow2} or {@code vpc}
   * @return the format, {@link DiskFormat#UNKNOWN} if xlsnap has no constant for it
   */
  static DiskFormat fromQemuName(String qemuName) {
    if (qemuName.equals(QEMU_VHD)) {
      return DiskFormat.VHD;
    }
    return DiskFormat.fromXlName(qemuName).orElse(DiskFormat.UNKNOWN);
  }
}
