package io.github.xlsnap.core;

import java.util.List;

/**
 * A revert was refused because it is risky and {@link RevertOptions#force()} was not set. The
 * reasons say what would be lost or guessed; with force the revert proceeds (see
 * {@link SnapshotManager#revert}).
 */
public class RiskyRevertException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #reasons()}. */
  private final List<String> reasons;

  /**
   * Creates the exception.
   *
   * @param domain the domain's name
   * @param snapshot the snapshot to revert to
   * @param reasons why the revert is risky, one sentence each
   */
  public RiskyRevertException(String domain, String snapshot, List<String> reasons) {
    super("revert of domain " + domain + " to snapshot '" + snapshot + "' is risky and needs force: "
        + String.join("; ", reasons));
    this.reasons = List.copyOf(reasons);
  }

  /**
   * Returns why the revert is risky.
   *
   * @return the reasons, one sentence each
   */
  public List<String> reasons() {
    return reasons;
  }
}
