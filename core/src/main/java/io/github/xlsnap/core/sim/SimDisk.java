package io.github.xlsnap.core.sim;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.spi.DomainDisk;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One disk of a simulated domain: the image the guest uses now.
 *
 * @param target the virtual device
 * @param format the image's format
 * @param image the image, absolute
 * @param virtualSize the size the guest sees, in bytes
 */
record SimDisk(String target, DiskFormat format, Path image, long virtualSize) {
  SimDisk {
    requireNonNull(target, "target");
    requireNonNull(format, "format");
    requireNonNull(image, "image");
  }

  SimDisk withImage(Path newImage, DiskFormat newFormat) {
    return new SimDisk(target, newFormat, newImage, virtualSize);
  }

  /**
   * Describes the disk for {@link io.github.xlsnap.core.spi.Hypervisor#disks}: held by the domain's
   * simulated device model, which locks its image and backing chain as QEMU does (see
   * {@link DeviceModelLocks}).
   */
  DomainDisk toDomainDisk() {
    return new DomainDisk(target, format, Optional.of(image), true, false, false);
  }
}
