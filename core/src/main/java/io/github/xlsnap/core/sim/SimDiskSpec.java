package io.github.xlsnap.core.sim;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskFormat;
import java.util.regex.Pattern;

/**
 * A disk for {@link SimulatedHypervisor#createDomain}: the simulated host creates an empty image of
 * this format and size under the domain's directory.
 *
 * <p>Immutable, so safe to share between threads.
 *
 * @param target the virtual device, e.g. {@code xvda}: a lowercase letter, then lowercase letters and
 *     digits (it also names the image file)
 * @param format {@link DiskFormat#QCOW2} or {@link DiskFormat#RAW}
 * @param sizeBytes the size the guest sees, a positive multiple of 512
 */
public record SimDiskSpec(String target, DiskFormat format, long sizeBytes) {
  private static final Pattern TARGET = Pattern.compile("[a-z][a-z0-9]*");

  /**
   * Checks the components.
   *
   * @param target the virtual device
   * @param format qcow2 or raw
   * @param sizeBytes the virtual size in bytes
   * @throws IllegalArgumentException if the target is malformed, the format is neither qcow2 nor raw,
   *     or the size is not a positive multiple of 512
   */
  public SimDiskSpec {
    requireNonNull(target, "target");
    requireNonNull(format, "format");
    checkArgument(isValidTarget(target), "disk target '%s' is not a lowercase letter followed by "
        + "lowercase letters and digits", target);
    checkArgument(format == DiskFormat.QCOW2 || format == DiskFormat.RAW,
        "disk %s: format %s is not supported by the simulated host (qcow2 or raw)", target, format);
    checkArgument(sizeBytes > 0 && sizeBytes % 512 == 0,
        "disk %s: size %s is not a positive multiple of 512", target, sizeBytes);
  }

  /**
   * A qcow2 disk.
   *
   * @param target the virtual device
   * @param sizeBytes the virtual size in bytes
   * @return the spec
   */
  public static SimDiskSpec qcow2(String target, long sizeBytes) {
    return new SimDiskSpec(target, DiskFormat.QCOW2, sizeBytes);
  }

  /**
   * A raw disk.
   *
   * @param target the virtual device
   * @param sizeBytes the virtual size in bytes
   * @return the spec
   */
  public static SimDiskSpec raw(String target, long sizeBytes) {
    return new SimDiskSpec(target, DiskFormat.RAW, sizeBytes);
  }

  static boolean isValidTarget(String target) {
    return TARGET.matcher(target).matches();
  }
}
