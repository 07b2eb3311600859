package io.github.xlsnap.core;

/** What {@code snapshot-delete} removes. */
public enum DeleteMode {
  /**
   * The default: only this snapshot. Its children are re-parented to its parent and its disk data is
   * merged so that every remaining snapshot still reverts to exactly its own state.
   */
  MERGE,
  /** This snapshot and all its descendants ({@code --children}). */
  CHILDREN,
  /** Only the descendants; the snapshot itself stays ({@code --children-only}). */
  CHILDREN_ONLY
}
