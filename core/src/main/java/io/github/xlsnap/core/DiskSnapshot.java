package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * How one disk of a domain was captured in a snapshot.
 *
 * <ul>
 *   <li>{@link DiskSnapshotMode#INTERNAL}: {@link #image()} is the qcow2 image that holds the internal
 *       snapshot named {@link #tag()}.
 *   <li>{@link DiskSnapshotMode#EXTERNAL}: {@link #image()} is the image as it was at the snapshot,
 *       read-only from then on; {@link #overlay()} is the qcow2 overlay created over it, the seed
 *       design's "external path"; {@link #imageStamp()} lets a revert detect a changed image.
 *   <li>{@link DiskSnapshotMode#NONE}: the disk was not captured; every optional is empty.
 * </ul>
 *
 * @param target the disk's virtual device, e.g. {@code xvda}
 * @param mode how it was captured
 * @param format the format of {@link #image()} ({@link DiskFormat#UNKNOWN} for NONE)
 * @param image the image holding the state, empty for NONE
 * @param tag the internal snapshot's tag in the image, INTERNAL only
 * @param overlay the overlay created at the snapshot, EXTERNAL only
 * @param imageStamp the image's stamp when frozen, EXTERNAL only
 */
public record DiskSnapshot(
    String target,
    DiskSnapshotMode mode,
    DiskFormat format,
    Optional<Path> image,
    Optional<String> tag,
    Optional<Path> overlay,
    Optional<FileStamp> imageStamp) {

  /**
   * Checks that the optionals match the mode.
   *
   * @param target the disk's virtual device
   * @param mode how it was captured
   * @param format the format of the image
   * @param image the image holding the state
   * @param tag the internal snapshot's tag
   * @param overlay the overlay
   * @param imageStamp the image's stamp
   */
  public DiskSnapshot {
    requireNonNull(target, "target");
    requireNonNull(mode, "mode");
    requireNonNull(format, "format");
    requireNonNull(image, "image");
    requireNonNull(tag, "tag");
    requireNonNull(overlay, "overlay");
    requireNonNull(imageStamp, "imageStamp");
    checkArgument(!target.isEmpty(), "disk target is empty");
    switch (mode) {
      case INTERNAL -> checkArgument(image.isPresent() && tag.isPresent() && overlay.isEmpty(),
          "internal disk snapshot %s needs an image and a tag, and no overlay", target);
      case EXTERNAL -> checkArgument(image.isPresent() && overlay.isPresent() && tag.isEmpty(),
          "external disk snapshot %s needs an image and an overlay, and no tag", target);
      case NONE -> checkArgument(image.isEmpty() && tag.isEmpty() && overlay.isEmpty() && imageStamp.isEmpty(),
          "disk %s not captured cannot name files", target);
    }
    image.ifPresent(p -> checkArgument(p.isAbsolute(), "image path %s is not absolute", p));
    overlay.ifPresent(p -> checkArgument(p.isAbsolute(), "overlay path %s is not absolute", p));
  }

  /**
   * An internal qcow2 snapshot.
   *
   * @param target the disk's virtual device
   * @param image the qcow2 image that holds it
   * @param tag its tag inside the image
   * @return the disk snapshot
   */
  public static DiskSnapshot internal(String target, Path image, String tag) {
    return new DiskSnapshot(target, DiskSnapshotMode.INTERNAL, DiskFormat.QCOW2, Optional.of(image),
        Optional.of(tag), Optional.empty(), Optional.empty());
  }

  /**
   * An external snapshot.
   *
   * @param target the disk's virtual device
   * @param image the image as it was, now the overlay's backing file
   * @param format the image's format
   * @param overlay the qcow2 overlay created over it
   * @param imageStamp the image's stamp when frozen
   * @return the disk snapshot
   */
  public static DiskSnapshot external(
      String target, Path image, DiskFormat format, Path overlay, Optional<FileStamp> imageStamp) {
    return new DiskSnapshot(target, DiskSnapshotMode.EXTERNAL, format, Optional.of(image),
        Optional.empty(), Optional.of(overlay), imageStamp);
  }

  /**
   * A disk left out of the snapshot.
   *
   * @param target the disk's virtual device
   * @return the disk snapshot
   */
  public static DiskSnapshot none(String target) {
    return new DiskSnapshot(target, DiskSnapshotMode.NONE, DiskFormat.UNKNOWN, Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  /**
   * Returns the seed design's "path" of this disk snapshot: the overlay for an external snapshot, the
   * image for an internal one.
   *
   * @return the path, empty for NONE
   */
  public Optional<Path> path() {
    return mode == DiskSnapshotMode.EXTERNAL ? overlay : image;
  }
}
