package io.github.xlsnap.core.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DeferredCleanup;
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
 * @param deferredCleanups internal snapshots of deleted snapshots that could not be removed yet (a
 *     device model held the image), which the manager removes later
 *     ({@link DeferredCleanup.Kind#INTERNAL_SNAPSHOT} only); a store keeps them as it keeps the rest, and
 *     a store that predates them loads none
 */
public record DomainMetadata(UUID domain, List<Snapshot> snapshots, Optional<String> current, Set<Path> ownedImages,
    Set<DeferredCleanup> deferredCleanups) {
  /**
   * Checks the components, copies the collections and checks the tree's invariants.
   *
   * @param domain the domain's UUID
   * @param snapshots its snapshots
   * @param current the current snapshot
   * @param ownedImages images xlsnap created
   * @param deferredCleanups internal snapshots to remove later
   * @throws IllegalArgumentException if the snapshots do not form a valid tree, or a deferred clean-up is
   *     not an internal snapshot
   */
  public DomainMetadata {
    requireNonNull(domain, "domain");
    requireNonNull(current, "current");
    snapshots = List.copyOf(snapshots);
    ownedImages = Set.copyOf(ownedImages);
    deferredCleanups = Set.copyOf(deferredCleanups);
    for (DeferredCleanup c : deferredCleanups) {
      checkArgument(c.kind() == DeferredCleanup.Kind.INTERNAL_SNAPSHOT, "metadata keeps deferred internal "
          + "snapshots only, not %s", c);
    }
    SnapshotTree.of(snapshots, current);
  }

  /**
   * Metadata without deferred clean-ups.
   *
   * @param domain the domain's UUID
   * @param snapshots its snapshots
   * @param current the current snapshot
   * @param ownedImages images xlsnap created
   * @throws IllegalArgumentException if the snapshots do not form a valid tree
   */
  public DomainMetadata(UUID domain, List<Snapshot> snapshots, Optional<String> current, Set<Path> ownedImages) {
    this(domain, snapshots, current, ownedImages, Set.of());
  }

  /**
   * Tells whether there is nothing to keep: no snapshot, no owned image, no deferred clean-up. A store
   * forgets a domain whose metadata is saved empty.
   *
   * @return whether empty
   */
  public boolean isEmpty() {
    return snapshots.isEmpty() && ownedImages.isEmpty() && deferredCleanups.isEmpty();
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
