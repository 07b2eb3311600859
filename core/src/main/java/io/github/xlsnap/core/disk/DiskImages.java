package io.github.xlsnap.core.disk;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskImageException;
import io.github.xlsnap.core.ToolNotFoundException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.DoubleConsumer;

/**
 * Operations on disk image files that no running process holds open: the qcow2 snapshot mechanics
 * xlsnap builds on. {@link QemuImg} implements them with the real {@code qemu-img} and
 * {@code qemu-io}; an embedder may wrap it (to add fault injection or auditing, say).
 *
 * <p>Every method throws {@link DiskImageException} when the operation fails, naming the image and
 * carrying the tool's message, and {@link ToolNotFoundException} when the tool is not installed.
 * Implementations must be safe for use by several threads on different images.
 */
public interface DiskImages {

  /**
   * Creates an empty image.
   *
   * @param image the path; must not exist
   * @param format {@link DiskFormat#QCOW2} or {@link DiskFormat#RAW}
   * @param virtualSize the size the guest sees, in bytes
   */
  void create(Path image, DiskFormat format, long virtualSize);

  /**
   * Describes an image.
   *
   * @param image an existing image
   * @return its format, size, backing file and internal snapshots
   */
  ImageInfo info(Path image);

  /**
   * Tells whether an image holds data of its own: clusters allocated in the image itself rather than
   * read through from its backing file, or internal snapshots. An overlay that no guest ever wrote to
   * holds none, so deleting it loses nothing.
   *
   * <p>The default answers {@code true}, which is always safe: an image that may hold data is kept.
   *
   * @param image an existing image
   * @return false only if the image is known to hold nothing of its own
   */
  default boolean holdsDataOfItsOwn(Path image) {
    return true;
  }

  /**
   * Returns an image's backing chain: the image itself first, then its backing file, and so on.
   *
   * @param image an existing image
   * @return the chain, at least the image
   */
  List<Path> backingChain(Path image);

  /**
   * Takes an internal snapshot of a qcow2 image ({@code qemu-img snapshot -c}).
   *
   * @param image the qcow2 image
   * @param tag the snapshot's tag; must not already exist in the image
   */
  void createInternalSnapshot(Path image, String tag);

  /**
   * Reverts a qcow2 image to an internal snapshot ({@code qemu-img snapshot -a}); the snapshot stays.
   *
   * @param image the qcow2 image
   * @param tag the snapshot's tag
   */
  void applyInternalSnapshot(Path image, String tag);

  /**
   * Deletes an internal snapshot ({@code qemu-img snapshot -d}).
   *
   * @param image the qcow2 image
   * @param tag the snapshot's tag
   */
  void deleteInternalSnapshot(Path image, String tag);

  /**
   * Copies the state of an internal snapshot into a new standalone qcow2 image
   * ({@code qemu-img convert -l}), leaving the source untouched.
   *
   * @param image the qcow2 image holding the snapshot
   * @param tag the snapshot's tag
   * @param target the new image; must not exist
   */
  void extractInternalSnapshot(Path image, String tag, Path target);

  /**
   * {@link #extractInternalSnapshot(Path, String, Path)}, telling {@code progress} the share done
   * (from 0 to 1) as it goes where the implementation can. The default tells nothing.
   *
   * @param image the qcow2 image holding the snapshot
   * @param tag the snapshot's tag
   * @param target the new image; must not exist
   * @param progress hears the share done, from the calling thread or another
   */
  default void extractInternalSnapshot(Path image, String tag, Path target, DoubleConsumer progress) {
    extractInternalSnapshot(image, tag, target);
  }

  /**
   * Creates a qcow2 overlay whose backing file is {@code backing} ({@code qemu-img create -b}). The
   * backing file must not be written while the overlay needs it.
   *
   * @param overlay the new overlay; must not exist
   * @param backing the backing image, absolute
   * @param backingFormat the backing image's format
   */
  void createOverlay(Path overlay, Path backing, DiskFormat backingFormat);

  /**
   * Changes an image's backing file without changing what it reads as ({@code qemu-img rebase},
   * safe mode): data that differs between the old and the new backing is copied into the image.
   *
   * @param image the image to rebase
   * @param newBacking the new backing file; empty to make the image standalone
   * @param newBackingFormat the new backing file's format (ignored when empty)
   */
  void rebase(Path image, Optional<Path> newBacking, DiskFormat newBackingFormat);

  /**
   * {@link #rebase(Path, Optional, DiskFormat)}, telling {@code progress} the share done (from 0 to 1)
   * as it goes where the implementation can. The default tells nothing.
   *
   * @param image the image to rebase
   * @param newBacking the new backing file; empty to make the image standalone
   * @param newBackingFormat the new backing file's format (ignored when empty)
   * @param progress hears the share done, from the calling thread or another
   */
  default void rebase(Path image, Optional<Path> newBacking, DiskFormat newBackingFormat, DoubleConsumer progress) {
    rebase(image, newBacking, newBackingFormat);
  }

  /**
   * Writes an overlay's data into its backing file ({@code qemu-img commit}); the overlay is left
   * as it was. The backing file's other dependants see the change.
   *
   * @param overlay the overlay
   */
  void commit(Path overlay);

  /**
   * Writes bytes at an offset, as a guest would ({@code qemu-io}).
   *
   * @param image the image
   * @param format its format
   * @param offset the byte offset
   * @param data the bytes
   */
  void write(Path image, DiskFormat format, long offset, byte[] data);

  /**
   * Reads bytes at an offset, as a guest would.
   *
   * @param image the image
   * @param format its format
   * @param offset the byte offset
   * @param length how many bytes
   * @return the bytes
   */
  byte[] read(Path image, DiskFormat format, long offset, int length);
}
