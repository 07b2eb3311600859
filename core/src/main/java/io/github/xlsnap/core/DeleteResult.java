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
 *     each with the reason; the metadata no longer names them
 */
public record DeleteResult(List<String> deleted, Optional<String> current, List<String> leftovers) {
  /**
   * Copies the lists.
   *
   * @param deleted the snapshots deleted
   * @param current the current snapshot afterwards
   * @param leftovers what could not be removed
   */
  public DeleteResult {
    deleted = List.copyOf(deleted);
    requireNonNull(current, "current");
    leftovers = List.copyOf(leftovers);
  }
}
