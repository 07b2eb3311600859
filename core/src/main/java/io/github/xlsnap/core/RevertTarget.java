package io.github.xlsnap.core;

/** The state a domain is left in after a revert. */
public enum RevertTarget {
  /** The state it was in when the snapshot was taken: paused if it was paused, else running. */
  AS_TAKEN,
  /** Running, whatever the snapshot's state ({@code --running}). */
  RUNNING,
  /** Paused, whatever the snapshot's state ({@code --paused}). */
  PAUSED
}
