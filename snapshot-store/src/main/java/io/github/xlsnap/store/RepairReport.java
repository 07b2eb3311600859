package io.github.xlsnap.store;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@link JsonSnapshotStore#repair} did. Immutable.
 *
 * @param found the findings before the repair
 * @param quarantined where each quarantined file went (in the domain's {@code quarantine} directory)
 * @param remaining the findings after the repair, which it could not fix without guessing
 */
public record RepairReport(List<StoreFinding> found, List<Path> quarantined, List<StoreFinding> remaining) {
  /**
   * Copies the lists.
   *
   * @param found the findings before
   * @param quarantined the quarantined files
   * @param remaining the findings after
   */
  public RepairReport {
    found = List.copyOf(found);
    quarantined = List.copyOf(quarantined);
    remaining = List.copyOf(remaining);
  }
}
