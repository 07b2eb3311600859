package io.github.xlsnap.core.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskFormat;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One disk of a domain as the hypervisor sees it now.
 *
 * @param target the virtual device, e.g. {@code xvda}
 * @param format the image's format
 * @param image the image the domain reads and writes now, empty for an empty drive
 * @param heldByDeviceModel whether a running device model (QEMU) has the image open, so that only
 *     the hypervisor, not {@code qemu-img}, may change it
 * @param readOnly whether the domain sees the disk read-only
 * @param cdrom whether it is a cdrom drive
 */
public record DomainDisk(
    String target, DiskFormat format, Optional<Path> image, boolean heldByDeviceModel, boolean readOnly,
    boolean cdrom) {
  /**
   * Checks the components.
   *
   * @param target the virtual device
   * @param format the image's format
   * @param image the image
   * @param heldByDeviceModel whether a device model holds it
   * @param readOnly whether read-only
   * @param cdrom whether a cdrom
   */
  public DomainDisk {
    requireNonNull(target, "target");
    requireNonNull(format, "format");
    requireNonNull(image, "image");
    checkArgument(!target.isEmpty(), "disk target is empty");
    image.ifPresent(p -> checkArgument(p.isAbsolute(), "disk %s image %s is not absolute", target, p));
  }
}
