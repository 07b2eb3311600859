package io.github.xlsnap.benchmarks;

import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Snapshot metadata built directly, without taking snapshots: a chain of N memory-less snapshots
 * {@code s0 -> s1 -> ... -> s(N-1)} of one disk not captured, as {@code snapshot-store}'s own
 * benchmark uses. Writing it with {@link io.github.xlsnap.core.spi.SnapshotStore#save} takes seconds
 * where N creates would take minutes.
 */
public final class Chains {
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  private Chains() {}

  /**
   * A chain of snapshots, the last one current.
   *
   * @param domain the domain's UUID
   * @param n the number of snapshots, at least 1
   * @param disk the target of the domain's one disk, recorded as not captured
   * @return the metadata
   */
  public static DomainMetadata chain(UUID domain, int n, String disk) {
    List<Snapshot> all = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      all.add(snapshot("s" + i, i == 0 ? Optional.empty() : Optional.of("s" + (i - 1)),
          i == n - 1 ? List.of() : List.of("s" + (i + 1)), i, disk));
    }
    return new DomainMetadata(domain, all, Optional.of("s" + (n - 1)), Set.of());
  }

  /**
   * Adds a child of the current snapshot, as a create does.
   *
   * @param metadata the domain's metadata
   * @param name the new snapshot's name
   * @param disk the disk's target
   * @return the metadata with the new snapshot current
   */
  public static DomainMetadata withChild(DomainMetadata metadata, String name, String disk) {
    List<Snapshot> all = new ArrayList<>(metadata.snapshots().size() + 1);
    for (Snapshot s : metadata.snapshots()) {
      if (metadata.current().equals(Optional.of(s.name()))) {
        List<String> kids = new ArrayList<>(s.children());
        kids.add(name);
        s = s.withRelations(s.parent(), kids);
      }
      all.add(s);
    }
    all.add(snapshot(name, metadata.current(), List.of(), all.size(), disk));
    return new DomainMetadata(metadata.domain(), all, Optional.of(name), metadata.ownedImages());
  }

  private static Snapshot snapshot(String name, Optional<String> parent, List<String> children, int second,
      String disk) {
    return new Snapshot(name, T0.plusSeconds(second), "", parent, children, DomainState.RUNNING, false,
        Optional.empty(), Optional.empty(), List.of(DiskSnapshot.none(disk)), Optional.empty());
  }
}
