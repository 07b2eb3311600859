package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How the caller wants one disk captured: one item of the seed design's {@code disks=[...]}, e.g.
 * {@code 'sda,1,qcow2,/p/sda.qcow2'} (external, overlay format and path) or {@code 'sda,0'}
 * (internal).
 *
 * @param target the disk's virtual device
 * @param mode how to capture it
 * @param format the overlay's format (EXTERNAL only; qcow2 is the only one supported), empty for the default
 * @param path the overlay's path (EXTERNAL only), empty for the default beside the disk's image
 */
public record DiskSpec(String target, DiskSnapshotMode mode, Optional<DiskFormat> format, Optional<Path> path) {
  /**
   * Checks the components.
   *
   * @param target the disk's virtual device
   * @param mode how to capture it
   * @param format the overlay's format
   * @param path the overlay's path
   */
  public DiskSpec {
    requireNonNull(target, "target");
    requireNonNull(mode, "mode");
    requireNonNull(format, "format");
    requireNonNull(path, "path");
    checkArgument(!target.isEmpty(), "disk target is empty");
    if (mode != DiskSnapshotMode.EXTERNAL) {
      checkArgument(format.isEmpty() && path.isEmpty(),
          "disk %s: a format and path are only for external snapshots", target);
    }
  }

  /**
   * Captures a disk inside its qcow2 image.
   *
   * @param target the disk's virtual device
   * @return the spec
   */
  public static DiskSpec internal(String target) {
    return new DiskSpec(target, DiskSnapshotMode.INTERNAL, Optional.empty(), Optional.empty());
  }

  /**
   * Captures a disk in a new qcow2 overlay at a default path beside its image.
   *
   * @param target the disk's virtual device
   * @return the spec
   */
  public static DiskSpec external(String target) {
    return new DiskSpec(target, DiskSnapshotMode.EXTERNAL, Optional.empty(), Optional.empty());
  }

  /**
   * Captures a disk in a new qcow2 overlay at the given path.
   *
   * @param target the disk's virtual device
   * @param overlay the overlay's absolute path; it must not exist
   * @return the spec
   */
  public static DiskSpec external(String target, Path overlay) {
    return new DiskSpec(target, DiskSnapshotMode.EXTERNAL, Optional.of(DiskFormat.QCOW2), Optional.of(overlay));
  }

  /**
   * Leaves a disk out of the snapshot.
   *
   * @param target the disk's virtual device
   * @return the spec
   */
  public static DiskSpec none(String target) {
    return new DiskSpec(target, DiskSnapshotMode.NONE, Optional.empty(), Optional.empty());
  }
}
