package io.github.xlsnap.store.internal;

import io.github.xlsnap.core.Snapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * What changes between the snapshots a store holds and the snapshots it is given to save: the records
 * to write (added, or changed) and the names to remove, found without copying either side.
 *
 * <p>Snapshots are matched by name. The two lists are walked side by side first: where both hold a
 * snapshot of the same name at the same index (the usual case: a create appends, and most records
 * are the very same objects), the pair is compared by identity, then by {@code equals}, and no
 * lookup is made. A snapshot past the end of the old list once every old one has been matched is new
 * without a lookup either (names are unique). Only where the lists do not line up (a delete, a
 * reordering) is an index of the old names built, once per diff. So a create costs one reference
 * comparison per snapshot and the comparison of the records that changed.
 *
 * <p>Immutable; not a copy of its inputs, which must not change while it is used.
 */
public final class SnapshotDiff {
  /**
   * A record to write.
   *
   * @param snapshot the snapshot as it is to be saved
   * @param existed whether a snapshot of that name was there before (its file is rewritten, keeping
   *     the fields this version does not know), or it is new
   */
  public record Write(Snapshot snapshot, boolean existed) {}

  private final List<Write> writes;
  private final List<String> removed;
  private final boolean same;

  private SnapshotDiff(List<Write> writes, List<String> removed, boolean same) {
    this.writes = writes;
    this.removed = removed;
    this.same = same;
  }

  /**
   * Compares two lists of snapshots, each with unique names.
   *
   * @param before the snapshots held
   * @param after the snapshots to save
   * @return the difference
   */
  public static SnapshotDiff of(List<Snapshot> before, List<Snapshot> after) {
    List<Write> writes = new ArrayList<>();
    boolean same = before.size() == after.size(); // the lists are equal while this holds
    int matched = 0;
    @Nullable Map<String, Snapshot> index = null;
    for (int i = 0; i < after.size(); i++) {
      Snapshot s = after.get(i);
      Snapshot old = null;
      if (i < before.size() && before.get(i).name().equals(s.name())) {
        old = before.get(i);
      } else {
        same = false;
        if (matched < before.size()) { // else every old name is taken: s is new
          if (index == null) {
            index = new HashMap<>(before.size() * 4 / 3 + 1);
            for (Snapshot b : before) {
              index.put(b.name(), b);
            }
          }
          old = index.get(s.name());
        }
      }
      if (old == null) {
        writes.add(new Write(s, false));
        continue;
      }
      matched++;
      if (s != old && !s.equals(old)) {
        same = false;
        writes.add(new Write(s, true));
      }
    }
    List<String> removed = new ArrayList<>();
    if (matched < before.size()) {
      Set<String> kept = new HashSet<>(after.size() * 4 / 3 + 1);
      for (Snapshot s : after) {
        kept.add(s.name());
      }
      for (Snapshot b : before) {
        if (!kept.contains(b.name())) {
          removed.add(b.name());
        }
      }
    }
    return new SnapshotDiff(List.copyOf(writes), List.copyOf(removed), same);
  }

  /**
   * Returns the records to write, in the order of the snapshots to save.
   *
   * @return the added and changed snapshots
   */
  public List<Write> writes() {
    return writes;
  }

  /**
   * Returns the names of the snapshots that are no longer there, in the order they were held.
   *
   * @return the removed names
   */
  public List<String> removed() {
    return removed;
  }

  /**
   * Tells whether the two lists are equal ({@link List#equals}): the same snapshots, equal, in the
   * same order. An order that differs alone writes nothing, but is not the same.
   *
   * @return whether equal
   */
  public boolean same() {
    return same;
  }
}
