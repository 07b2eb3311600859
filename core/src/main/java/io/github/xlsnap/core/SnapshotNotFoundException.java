package io.github.xlsnap.core;

/** The domain has no snapshot of the given name. */
public class SnapshotNotFoundException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #domain()}. */
  private final String domain;
  /** Returned by {@link #snapshot()}. */
  private final String snapshot;

  /**
   * Creates the exception.
   *
   * @param domain the domain's name
   * @param snapshot the snapshot name that was not found
   */
  public SnapshotNotFoundException(String domain, String snapshot) {
    super("domain " + domain + " has no snapshot named '" + snapshot + "'");
    this.domain = domain;
    this.snapshot = snapshot;
  }

  /**
   * Returns the domain's name.
   *
   * @return the domain's name
   */
  public String domain() {
    return domain;
  }

  /**
   * Returns the snapshot name that was not found.
   *
   * @return the snapshot name
   */
  public String snapshot() {
    return snapshot;
  }
}
