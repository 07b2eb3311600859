package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Clean-up a delete could not do yet because the device model of a domain that exists (QEMU) holds the
 * image, and no hypervisor primitive does it while it runs; see {@link SnapshotManager#delete}.
 *
 * @param kind what waits
 * @param image the image
 * @param tag the internal snapshot to remove, for {@link Kind#INTERNAL_SNAPSHOT}; empty for a merge
 */
public record DeferredCleanup(Kind kind, Path image, Optional<String> tag) {
  /** What waits. */
  public enum Kind {
    /**
     * An internal snapshot no snapshot needs, in an image the device model holds read-only (a backing
     * file of a disk): QEMU can remove an internal snapshot only from the image a disk writes. It is
     * recorded in the domain's metadata ({@link io.github.xlsnap.core.spi.DomainMetadata#deferredCleanups()})
     * and removed by a later operation on the domain, or {@link SnapshotManager#retryDeferredCleanups},
     * once no device model holds the image.
     */
    INTERNAL_SNAPSHOT,
    /**
     * An image xlsnap created that no snapshot needs, but that the image a running disk is built on
     * still reads through: it cannot be merged away while the device model holds that image. It stays
     * in the disk's backing chain, owned by the domain, and a later delete or revert removes it once no
     * disk runs on it (a revert gives the disks new images).
     */
    MERGE
  }

  /**
   * Checks the components.
   *
   * @param kind what waits
   * @param image the image, absolute
   * @param tag the internal snapshot, present exactly for {@link Kind#INTERNAL_SNAPSHOT}
   */
  public DeferredCleanup {
    requireNonNull(kind, "kind");
    requireNonNull(image, "image");
    requireNonNull(tag, "tag");
    checkArgument(image.isAbsolute(), "image %s is not absolute", image);
    checkArgument(tag.isPresent() == (kind == Kind.INTERNAL_SNAPSHOT), "a %s has %s tag", kind,
        tag.isPresent() ? "a" : "no");
  }

  /**
   * An internal snapshot to remove later.
   *
   * @param image the image holding it
   * @param tag its tag
   * @return the deferred clean-up
   */
  public static DeferredCleanup internalSnapshot(Path image, String tag) {
    return new DeferredCleanup(Kind.INTERNAL_SNAPSHOT, image, Optional.of(requireNonNull(tag, "tag")));
  }

  /**
   * An image to merge away later.
   *
   * @param image the image
   * @return the deferred clean-up
   */
  public static DeferredCleanup merge(Path image) {
    return new DeferredCleanup(Kind.MERGE, image, Optional.empty());
  }

  /**
   * Says what waits, for a log or {@link DeleteResult#leftovers()}.
   *
   * @return a sentence fragment
   */
  public String describe() {
    return kind == Kind.INTERNAL_SNAPSHOT
        ? "internal snapshot " + tag.orElseThrow() + " in " + image + ": deferred, the running device model holds "
            + "the image read-only"
        : "image " + image + ": merge deferred, a running disk is built on it";
  }
}
