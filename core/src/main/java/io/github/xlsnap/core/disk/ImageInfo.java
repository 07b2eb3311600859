package io.github.xlsnap.core.disk;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskFormat;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What {@code qemu-img info} reports about one image.
 *
 * @param image the image
 * @param format its format
 * @param virtualSize the size the guest sees, in bytes
 * @param backingFile its backing file, resolved to an absolute path; empty if none
 * @param backingFormat the backing file's format, if recorded
 * @param internalSnapshots the tags of its internal snapshots, in the image's order
 */
public record ImageInfo(
    Path image, DiskFormat format, long virtualSize, Optional<Path> backingFile,
    Optional<DiskFormat> backingFormat, List<String> internalSnapshots) {
  /**
   * Checks the components and copies the list.
   *
   * @param image the image
   * @param format its format
   * @param virtualSize its virtual size
   * @param backingFile its backing file
   * @param backingFormat the backing file's format
   * @param internalSnapshots its internal snapshot tags
   */
  public ImageInfo {
    requireNonNull(image, "image");
    requireNonNull(format, "format");
    requireNonNull(backingFile, "backingFile");
    requireNonNull(backingFormat, "backingFormat");
    internalSnapshots = List.copyOf(internalSnapshots);
    checkArgument(virtualSize >= 0, "virtualSize < 0");
    backingFile.ifPresent(p -> checkArgument(p.isAbsolute(), "backing file %s is not absolute", p));
  }
}
