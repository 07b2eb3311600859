package io.github.xlsnap.core;

/** A snapshot of that name already exists for the domain; names are unique per domain. */
public class SnapshotExistsException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #snapshot()}. */
  private final String snapshot;

  /**
   * Creates the exception.
   *
   * @param domain the domain's name
   * @param snapshot the name that is taken
   */
  public SnapshotExistsException(String domain, String snapshot) {
    super("domain " + domain + " already has a snapshot named '" + snapshot + "'");
    this.snapshot = snapshot;
  }

  /**
   * Returns the name that is taken.
   *
   * @return the snapshot name
   */
  public String snapshot() {
    return snapshot;
  }
}
