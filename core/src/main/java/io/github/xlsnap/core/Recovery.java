package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.UUID;

/**
 * What {@link SnapshotManager#recover} did about an operation that a crash interrupted.
 *
 * @param domain the domain's UUID
 * @param operation {@code create}, {@code delete} or {@code revert}
 * @param snapshot the snapshot the operation concerned
 * @param completed true if the operation was completed, false if it was undone
 * @param actions what was done, one sentence each
 */
public record Recovery(UUID domain, String operation, String snapshot, boolean completed, List<String> actions) {
  /**
   * Checks the components and copies the list.
   *
   * @param domain the domain's UUID
   * @param operation the operation
   * @param snapshot the snapshot
   * @param completed whether completed
   * @param actions what was done
   */
  public Recovery {
    requireNonNull(domain, "domain");
    requireNonNull(operation, "operation");
    requireNonNull(snapshot, "snapshot");
    actions = List.copyOf(actions);
  }
}
