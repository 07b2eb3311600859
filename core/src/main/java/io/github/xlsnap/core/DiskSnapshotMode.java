package io.github.xlsnap.core;

/** How one disk is captured in a snapshot. */
public enum DiskSnapshotMode {
  /** Inside the disk's qcow2 image, as a qcow2 internal snapshot. */
  INTERNAL,
  /**
   * In a new qcow2 overlay: the image as it was becomes the overlay's read-only backing file, and the
   * domain writes to the overlay from then on.
   */
  EXTERNAL,
  /** Not captured: a revert leaves this disk as it is (and is therefore risky). */
  NONE
}
