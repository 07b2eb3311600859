package io.github.xlsnap.cfg;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.cfg.internal.DiskSpecScanner;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.spi.DomainDisk;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One {@code disk=} item of a domain's {@code xl.cfg}, read as libxlutil's {@code xlu_disk_parse}
 * reads it into a {@code libxl_device_disk} (Xen's {@code xl-disk-configuration}: positional
 * {@code target,format,vdev,access}, {@code key=value} parameters and flags, {@code target=} last and
 * taking the rest). Immutable and thread-safe.
 *
 * @param target the backend path ({@code pdev_path}): a file, device or script argument; empty when
 *     none was given (an empty cdrom drive), an empty string when given empty
 * @param vdev the virtual device the guest sees, e.g. {@code xvda}
 * @param format the image format; raw when not given, {@link DiskFormat#EMPTY} for an empty cdrom
 * @param backend the backend type ({@code backendtype=}): {@code phy}, {@code tap}, {@code qdisk},
 *     {@code standalone}, or empty to let libxl choose
 * @param script the hotplug script ({@code script=}, or {@code block-iscsi} etc. from a deprecated prefix)
 * @param backendDomain the backend domain's name ({@code backend=})
 * @param readWrite whether the guest may write ({@code access=}); false for a cdrom
 * @param cdrom whether it is a cdrom drive ({@code cdrom}, {@code devtype=cdrom})
 * @param removable whether its medium can change (true for a cdrom)
 * @param directIoSafe the {@code direct-io-safe} flag
 * @param discard {@code discard} / {@code no-discard}, empty for the default
 * @param specification {@code xen} or {@code virtio} ({@code specification=}), empty for the default
 */
public record XlDisk(
    Optional<String> target,
    String vdev,
    DiskFormat format,
    Optional<String> backend,
    Optional<String> script,
    Optional<String> backendDomain,
    boolean readWrite,
    boolean cdrom,
    boolean removable,
    boolean directIoSafe,
    Optional<Boolean> discard,
    Optional<String> specification) {

  /**
   * Checks the components.
   *
   * @param target the backend path
   * @param vdev the virtual device
   * @param format the format
   * @param backend the backend type
   * @param script the hotplug script
   * @param backendDomain the backend domain
   * @param readWrite whether writable
   * @param cdrom whether a cdrom
   * @param removable whether removable
   * @param directIoSafe the direct-io-safe flag
   * @param discard the discard setting
   * @param specification the specification
   */
  public XlDisk {
    requireNonNull(target, "target");
    requireNonNull(vdev, "vdev");
    requireNonNull(format, "format");
    requireNonNull(backend, "backend");
    requireNonNull(script, "script");
    requireNonNull(backendDomain, "backendDomain");
    requireNonNull(discard, "discard");
    requireNonNull(specification, "specification");
  }

  /**
   * Parses one disk spec.
   *
   * @param spec e.g. {@code /dev/vg/guest,raw,xvda,rw} or {@code format=qcow2,vdev=xvda,target=/p.qcow2}
   * @return the disk
   * @throws IllegalArgumentException with libxlutil's reason (and the part of the spec concerned) if
   *     {@code xlu_disk_parse} would reject it, or if it holds a NUL character (which no C string can)
   */
  public static XlDisk parse(String spec) {
    return DiskSpecScanner.parse(spec);
  }

  /**
   * Describes the disk as core's hypervisor SPI does. The image is the target when it is an absolute
   * path and no hotplug script interprets it; a disk with a script or a relative target has no image
   * xlsnap can snapshot.
   *
   * @return the description; {@code heldByDeviceModel} is true for qdisk backends and for formats
   *     only QEMU reads (qcow, qcow2, qed, vhd)
   */
  public DomainDisk toDomainDisk() {
    Optional<Path> image = script.isPresent() ? Optional.empty()
        : target.filter(t -> t.startsWith("/")).map(Path::of);
    boolean qemu = backend.map("qdisk"::equals).orElse(false)
        || format == DiskFormat.QCOW || format == DiskFormat.QCOW2 || format == DiskFormat.QED
        || format == DiskFormat.VHD;
    return new DomainDisk(vdev.isEmpty() ? "?" : vdev, format, image, qemu, !readWrite, cdrom);
  }
}
