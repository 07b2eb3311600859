package io.github.xlsnap.core.spi;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotTree;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Everything a {@link SnapshotStore} keeps for one domain, saved and loaded as a whole.
 *
 * @param domain the domain's UUID
 * @param snapshots its snapshots
 * @param current the current snapshot, empty if none
 * @param ownedImages disk images xlsnap created for this domain (overlays), which it may delete when
 *     no snapshot and no disk needs them any longer; images it did not create are never deleted
 */
public record DomainMetadata(UUID domain, List<Snapshot> snapshots, Optional<String> current, Set<Path> ownedImages) {
  /**
   * Checks the components, copies the collections and checks the tree's invariants.
   *
   * @param domain the domain's UUID
   * @param snapshots its snapshots
   * @param current the current snapshot
   * @param ownedImages images xlsnap created
   * @throws IllegalArgumentException if the snapshots do not form a valid tree
   */
  public DomainMetadata {
    requireNonNull(domain, "domain");
    requireNonNull(current, "current");
    snapshots = List.copyOf(snapshots);
    ownedImages = Set.copyOf(ownedImages);
    SnapshotTree.of(snapshots, current);
  }

  /**
   * The metadata of a domain without snapshots.
   *
   * @param domain the domain's UUID
   * @return empty metadata
   */
  public static DomainMetadata empty(UUID domain) {
    return new DomainMetadata(domain, List.of(), Optional.empty(), Set.of());
  }

  /**
   * Returns the snapshots as a tree.
   *
   * @return the tree
   */
  public SnapshotTree tree() {
    return SnapshotTree.of(snapshots, current);
  }
}
