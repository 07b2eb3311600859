package io.github.xlsnap.core;

/**
 * The files that hold a snapshot's data are missing or no longer hold it (an internal qcow2 snapshot
 * removed behind xlsnap's back, a deleted overlay base), so the snapshot cannot be reverted to, even
 * with force.
 */
public class SnapshotDamagedException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which snapshot, which file and what is missing
   */
  public SnapshotDamagedException(String message) {
    super(message);
  }
}
