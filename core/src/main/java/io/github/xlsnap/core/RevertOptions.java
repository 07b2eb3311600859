package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

/**
 * Options of {@code snapshot-revert}.
 *
 * @param target the state to leave the domain in
 * @param force carry out a risky revert (see {@link SnapshotManager#revert})
 */
public record RevertOptions(RevertTarget target, boolean force) {
  /** Revert to the state as taken, refusing risky reverts. */
  public static final RevertOptions DEFAULTS = new RevertOptions(RevertTarget.AS_TAKEN, false);

  /**
   * Checks the components.
   *
   * @param target the state to leave the domain in
   * @param force carry out a risky revert
   */
  public RevertOptions {
    requireNonNull(target, "target");
  }

  /**
   * Returns a copy with force set.
   *
   * @return the options with force
   */
  public RevertOptions forced() {
    return new RevertOptions(target, true);
  }
}
