package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * A revert of a crashed or shut-down domain (one Xen preserved with {@code on_crash} /
 * {@code on_poweroff = "preserve"}) failed after the dead instance was destroyed: there was no running
 * state to save beforehand, so nothing brings that instance back and the domain no longer exists on
 * the host; it must be created again from its configuration (e.g. {@code xl create}). The cause is
 * the failure. {@link #disksPutBack()} says whether the disks were left as they were before the
 * revert; if not, the operation record is kept and {@link SnapshotManager#recover} retries. Immutable.
 */
public final class InstanceLostException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #domain()}. */
  private final String domain;
  /** Returned by {@link #snapshot()}. */
  private final String snapshot;
  /** Returned by {@link #disksPutBack()}. */
  private final boolean disksPutBack;

  /**
   * Creates the exception.
   *
   * @param domain the domain's name
   * @param snapshot the snapshot the revert was going to
   * @param disksPutBack whether the disks are as they were before the revert
   * @param message what failed, what was lost and what is left
   * @param cause the failure of the revert, or {@code null}
   */
  public InstanceLostException(String domain, String snapshot, boolean disksPutBack, String message,
      @Nullable Throwable cause) {
    super(requireNonNull(message, "message"), cause);
    this.domain = requireNonNull(domain, "domain");
    this.snapshot = requireNonNull(snapshot, "snapshot");
    this.disksPutBack = disksPutBack;
  }

  /**
   * Returns the domain whose instance was lost.
   *
   * @return its name
   */
  public String domain() {
    return domain;
  }

  /**
   * Returns the snapshot the revert was going to.
   *
   * @return its name
   */
  public String snapshot() {
    return snapshot;
  }

  /**
   * Tells whether the disks were left as they were before the revert.
   *
   * @return true if every disk is back as it was and the images the revert made are removed
   */
  public boolean disksPutBack() {
    return disksPutBack;
  }
}
