package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * Which snapshots {@link SnapshotManager#list} returns, and in what order: the filters of the seed
 * design's {@code snapshot-list} ({@code --internal}, {@code --external}) and of libvirt's
 * ({@code --roots}, {@code --leaves}, {@code --no-leaves}, {@code --from}, {@code --descendants},
 * {@code --topological}). As in virsh, the filters of one group are a union: {@code internal} and
 * {@code external} together keep both kinds, {@code leaves} and {@code noLeaves} together keep both;
 * groups and the other filters combine with AND. Build one with {@link #all()} and the
 * {@code with...} methods.
 *
 * @param internal only internal snapshots ({@link Snapshot#isInternal()})
 * @param external only external snapshots ({@link Snapshot#isExternal()})
 * @param roots only snapshots without a parent
 * @param leaves only snapshots without children
 * @param noLeaves only snapshots with children
 * @param from only children of this snapshot (all its descendants if {@code descendants})
 * @param descendants with {@code from}: all descendants, not just the children
 * @param topological parents before children; otherwise ordered by creation time, then name
 */
public record ListQuery(
    boolean internal,
    boolean external,
    boolean roots,
    boolean leaves,
    boolean noLeaves,
    Optional<String> from,
    boolean descendants,
    boolean topological) {

  /**
   * Checks the components.
   *
   * @param internal only internal snapshots
   * @param external only external snapshots
   * @param roots only roots
   * @param leaves only leaves
   * @param noLeaves only non-leaves
   * @param from only descendants of this snapshot
   * @param descendants all descendants rather than children
   * @param topological topological order
   */
  public ListQuery {
    requireNonNull(from, "from");
  }

  /**
   * Every snapshot, by creation time.
   *
   * @return the query with no filter
   */
  public static ListQuery all() {
    return new ListQuery(false, false, false, false, false, Optional.empty(), false, false);
  }

  /**
   * Keeps internal snapshots only.
   *
   * @return the narrowed query
   */
  public ListQuery withInternal() {
    return new ListQuery(true, external, roots, leaves, noLeaves, from, descendants, topological);
  }

  /**
   * Keeps external snapshots only.
   *
   * @return the narrowed query
   */
  public ListQuery withExternal() {
    return new ListQuery(internal, true, roots, leaves, noLeaves, from, descendants, topological);
  }

  /**
   * Keeps roots only.
   *
   * @return the narrowed query
   */
  public ListQuery withRoots() {
    return new ListQuery(internal, external, true, leaves, noLeaves, from, descendants, topological);
  }

  /**
   * Keeps leaves only.
   *
   * @return the narrowed query
   */
  public ListQuery withLeaves() {
    return new ListQuery(internal, external, roots, true, noLeaves, from, descendants, topological);
  }

  /**
   * Keeps snapshots with children only.
   *
   * @return the narrowed query
   */
  public ListQuery withNoLeaves() {
    return new ListQuery(internal, external, roots, leaves, true, from, descendants, topological);
  }

  /**
   * Keeps the children (or with {@code allDescendants} all descendants) of a snapshot.
   *
   * @param snapshot the snapshot to start from; it must exist
   * @param allDescendants all descendants rather than direct children
   * @return the narrowed query
   */
  public ListQuery withFrom(String snapshot, boolean allDescendants) {
    return new ListQuery(internal, external, roots, leaves, noLeaves, Optional.of(snapshot), allDescendants,
        topological);
  }

  /**
   * Orders parents before children.
   *
   * @return the query in topological order
   */
  public ListQuery withTopologicalOrder() {
    return new ListQuery(internal, external, roots, leaves, noLeaves, from, descendants, true);
  }
}
