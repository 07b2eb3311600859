package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Optional;

/**
 * What {@link SnapshotManager#delete} did.
 *
 * @param deleted the snapshots deleted, leaves first
 * @param current the domain's current snapshot afterwards, empty if none
 * @param leftovers files and internal snapshots that are no longer needed but could not be removed,
 *     each with the reason, the deferred ones included; the metadata no longer names them as snapshots'
 * @param deferred the clean-up a running device model keeps from being done now, and that is done later
 *     (see {@link DeferredCleanup.Kind}); a subset of the leftovers, typed
 */
public record DeleteResult(List<String> deleted, Optional<String> current, List<String> leftovers,
    List<DeferredCleanup> deferred) {
  /**
   * Copies the lists.
   *
   * @param deleted the snapshots deleted
   * @param current the current snapshot afterwards
   * @param leftovers what could not be removed
   * @param deferred what is done later
   */
  public DeleteResult {
    deleted = List.copyOf(deleted);
    requireNonNull(current, "current");
    leftovers = List.copyOf(leftovers);
    deferred = List.copyOf(deferred);
  }

  /**
   * A result with nothing deferred, as before deferred clean-ups were reported.
   *
   * @param deleted the snapshots deleted
   * @param current the current snapshot afterwards
   * @param leftovers what could not be removed
   */
  public DeleteResult(List<String> deleted, Optional<String> current, List<String> leftovers) {
    this(deleted, current, leftovers, List.of());
  }
}
