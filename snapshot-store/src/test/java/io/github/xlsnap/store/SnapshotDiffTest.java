package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.internal.SnapshotDiff;
import io.github.xlsnap.store.internal.SnapshotDiff.Write;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link SnapshotDiff} against the obvious computation over maps of all the snapshots. */
class SnapshotDiffTest {
  private static Snapshot snapshot(String name, int version) {
    return Fixtures.plain(name, Optional.empty(), List.of(), version);
  }

  /** A new object equal to {@code s}. */
  private static Snapshot copyOf(Snapshot s) {
    return s.withRelations(s.parent(), new ArrayList<>(s.children()));
  }

  @Test
  void aCreateWritesTheParentAndTheNewRecordAndNothingElse() {
    DomainMetadata before = Fixtures.chain(DOMAIN, 5);
    DomainMetadata after = Fixtures.create(before, "new", 9);
    SnapshotDiff d = SnapshotDiff.of(before.snapshots(), after.snapshots());
    assertThat(d.writes()).extracting(w -> w.snapshot().name(), Write::existed)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("s4", true), org.assertj.core.groups.Tuple.tuple("new", false));
    assertThat(d.removed()).isEmpty();
    assertThat(d.same()).isFalse();
  }

  @Test
  void equalListsAreTheSameWhetherOrNotTheirSnapshotsAreTheSameObjects() {
    List<Snapshot> before = Fixtures.chain(DOMAIN, 4).snapshots();
    assertThat(SnapshotDiff.of(before, before).same()).isTrue();
    List<Snapshot> copies = before.stream().map(SnapshotDiffTest::copyOf).toList();
    SnapshotDiff d = SnapshotDiff.of(before, copies);
    assertThat(d.same()).isTrue();
    assertThat(d.writes()).isEmpty();
    assertThat(d.removed()).isEmpty();
  }

  @Test
  void anotherOrderWritesNothingButIsNotTheSame() {
    List<Snapshot> before = Fixtures.chain(DOMAIN, 4).snapshots();
    List<Snapshot> reversed = new ArrayList<>(before);
    Collections.reverse(reversed);
    SnapshotDiff d = SnapshotDiff.of(before, reversed);
    assertThat(d.same()).isFalse();
    assertThat(d.writes()).isEmpty();
    assertThat(d.removed()).isEmpty();
  }

  @Test
  void aDeleteInTheMiddleRemovesItsNameAndWritesWhatChanged() {
    List<Snapshot> before = List.of(snapshot("a", 0), snapshot("b", 1), snapshot("c", 2), snapshot("d", 3));
    List<Snapshot> after = List.of(before.get(0), before.get(2), snapshot("d", 4));
    SnapshotDiff d = SnapshotDiff.of(before, after);
    assertThat(d.removed()).containsExactly("b");
    assertThat(d.writes()).containsExactly(new Write(after.get(2), true));
    assertThat(d.same()).isFalse();
  }

  @Test
  void matchesTheDiffOfMapsOfAllTheSnapshots() {
    qt().withExamples(2000).forAll(longs().all()).checkAssert(seed -> {
      Random r = new Random(seed);
      List<String> pool = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        pool.add("n" + i);
      }
      Collections.shuffle(pool, r);
      List<Snapshot> before = new ArrayList<>();
      for (String n : pool.subList(0, r.nextInt(pool.size() + 1))) {
        before.add(snapshot(n, r.nextInt(2)));
      }
      List<Snapshot> after = new ArrayList<>();
      for (Snapshot s : before) {
        switch (r.nextInt(6)) {
          case 0 -> { } // removed
          case 1 -> after.add(copyOf(s)); // equal, another object
          case 2 -> after.add(snapshot(s.name(), 2 + r.nextInt(2))); // changed
          default -> after.add(s); // the same object
        }
      }
      Set<String> taken = new HashSet<>();
      before.forEach(s -> taken.add(s.name()));
      for (String n : pool) {
        if (!taken.contains(n) && r.nextInt(3) == 0) {
          after.add(r.nextInt(after.size() + 1), snapshot(n, r.nextInt(2))); // added, anywhere
        }
      }
      if (after.size() > 1 && r.nextInt(4) == 0) {
        Collections.swap(after, r.nextInt(after.size()), r.nextInt(after.size()));
      }

      Map<String, Snapshot> old = new HashMap<>();
      before.forEach(s -> old.put(s.name(), s));
      List<Write> writes = new ArrayList<>();
      Set<String> kept = new HashSet<>();
      for (Snapshot s : after) {
        kept.add(s.name());
        if (!s.equals(old.get(s.name()))) {
          writes.add(new Write(s, old.containsKey(s.name())));
        }
      }
      List<String> removed = before.stream().map(Snapshot::name).filter(n -> !kept.contains(n)).toList();

      SnapshotDiff d = SnapshotDiff.of(before, after);
      assertThat(d.writes()).as("%s -> %s", before, after).containsExactlyElementsOf(writes);
      assertThat(d.removed()).as("%s -> %s", before, after).containsExactlyElementsOf(removed);
      assertThat(d.same()).as("%s -> %s", before, after).isEqualTo(before.equals(after));
    });
  }
}
