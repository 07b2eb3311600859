package io.github.xlsnap.core.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskSnapshotMode;
import java.nio.file.Path;
import java.util.Optional;

/**
 * One disk operation of {@link Hypervisor#snapshotDisks}: an internal qcow2 snapshot with a tag, or
 * an external qcow2 overlay that the domain switches to.
 *
 * @param target the disk's virtual device
 * @param mode {@link DiskSnapshotMode#INTERNAL} or {@link DiskSnapshotMode#EXTERNAL}
 * @param tag the internal snapshot's tag (INTERNAL only)
 * @param overlay the overlay to create (EXTERNAL only); absolute, not existing
 */
public record DiskSnapshotRequest(String target, DiskSnapshotMode mode, Optional<String> tag, Optional<Path> overlay) {
  /**
   * Checks the components.
   *
   * @param target the disk
   * @param mode internal or external
   * @param tag the tag
   * @param overlay the overlay
   */
  public DiskSnapshotRequest {
    requireNonNull(target, "target");
    requireNonNull(mode, "mode");
    requireNonNull(tag, "tag");
    requireNonNull(overlay, "overlay");
    checkArgument(mode != DiskSnapshotMode.NONE, "disk %s: nothing to do for NONE", target);
    checkArgument(mode == DiskSnapshotMode.INTERNAL ? tag.isPresent() && overlay.isEmpty()
        : overlay.isPresent() && tag.isEmpty(), "disk %s: %s needs exactly a %s", target, mode,
        mode == DiskSnapshotMode.INTERNAL ? "tag" : "overlay");
    overlay.ifPresent(p -> checkArgument(p.isAbsolute(), "overlay %s is not absolute", p));
  }

  /**
   * An internal snapshot of a disk's current image.
   *
   * @param target the disk
   * @param tag the tag to give it
   * @return the request
   */
  public static DiskSnapshotRequest internal(String target, String tag) {
    return new DiskSnapshotRequest(target, DiskSnapshotMode.INTERNAL, Optional.of(tag), Optional.empty());
  }

  /**
   * An external overlay over a disk's current image, which the domain uses from then on.
   *
   * @param target the disk
   * @param overlay the overlay to create
   * @return the request
   */
  public static DiskSnapshotRequest external(String target, Path overlay) {
    return new DiskSnapshotRequest(target, DiskSnapshotMode.EXTERNAL, Optional.empty(), Optional.of(overlay));
  }
}
