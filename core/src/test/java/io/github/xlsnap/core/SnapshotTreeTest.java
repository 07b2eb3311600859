package io.github.xlsnap.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SnapshotTreeTest {

  static Snapshot snap(String name, Optional<String> parent, List<String> children, int second) {
    return new Snapshot(name, Instant.ofEpochSecond(second), "", parent, children, DomainState.RUNNING, false,
        Optional.empty(), Optional.empty(), List.of());
  }

  /** Builds a forest where node i's parent is parents.get(i) mod i, or a root when negative. */
  static List<Snapshot> forest(List<Integer> parents) {
    int n = parents.size();
    List<Optional<String>> parentOf = new ArrayList<>();
    List<List<String>> kids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      kids.add(new ArrayList<>());
      int p = parents.get(i);
      parentOf.add(i == 0 || p < 0 ? Optional.empty() : Optional.of("s" + (p % i)));
      if (parentOf.get(i).isPresent()) {
        kids.get(p % i).add("s" + i);
      }
    }
    List<Snapshot> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(snap("s" + i, parentOf.get(i), kids.get(i), i));
    }
    return out;
  }

  @Test
  void chainAndBranch() {
    SnapshotTree t = SnapshotTree.of(List.of(
        snap("a", Optional.empty(), List.of("b", "c"), 1),
        snap("b", Optional.of("a"), List.of("d"), 2),
        snap("c", Optional.of("a"), List.of(), 3),
        snap("d", Optional.of("b"), List.of(), 4)), Optional.of("d"));
    assertThat(t.roots()).containsExactly("a");
    assertThat(t.topologicalOrder()).containsExactly("a", "b", "d", "c");
    assertThat(t.descendants("a")).containsExactly("b", "d", "c");
    assertThat(t.leaves()).containsExactly("d", "c");
    assertThat(t.ancestors("d")).containsExactly("b", "a");
    assertThat(t.current()).contains("d");
    assertThat(t.depth("d")).isEqualTo(2);
    assertThat(t.toString()).isEqualTo("a\n  b\n    d *\n  c\n");
  }

  @Test
  void refusesBrokenRelations() {
    assertThatThrownBy(() -> SnapshotTree.of(List.of(snap("b", Optional.of("a"), List.of(), 1)), Optional.empty()))
        .hasMessageContaining("'b' names parent 'a', which does not exist");
    assertThatThrownBy(() -> SnapshotTree.of(List.of(
        snap("a", Optional.empty(), List.of(), 1), snap("b", Optional.of("a"), List.of(), 2)), Optional.empty()))
        .hasMessageContaining("does not list it as a child");
    // a parent listing one of its two children: every listed child is right, one is missing
    assertThatThrownBy(() -> SnapshotTree.of(List.of(snap("a", Optional.empty(), List.of("b"), 1),
        snap("b", Optional.of("a"), List.of(), 2), snap("c", Optional.of("a"), List.of(), 3)), Optional.empty()))
        .hasMessageContaining("'c' names parent 'a', which does not list it as a child");
    assertThatThrownBy(() -> SnapshotTree.of(List.of(
        snap("a", Optional.empty(), List.of("b"), 1), snap("b", Optional.empty(), List.of(), 2)), Optional.empty()))
        .hasMessageContaining("names another parent");
    assertThatThrownBy(() -> SnapshotTree.of(List.of(
        snap("a", Optional.of("b"), List.of("b"), 1), snap("b", Optional.of("a"), List.of("a"), 2)), Optional.empty()))
        .hasMessageContaining("cycle");
    assertThatThrownBy(() -> SnapshotTree.of(List.of(snap("a", Optional.empty(), List.of(), 1)), Optional.of("x")))
        .hasMessageContaining("current snapshot 'x' does not exist");
    assertThatThrownBy(() -> SnapshotTree.of(List.of(
        snap("a", Optional.empty(), List.of(), 1), snap("a", Optional.empty(), List.of(), 2)), Optional.empty()))
        .hasMessageContaining("two snapshots named 'a'");
  }

  @Test
  void forestInvariantsHold() {
    qt().forAll(lists().of(integers().between(-3, 1000)).ofSizeBetween(0, 60)).checkAssert(parents -> {
      List<Snapshot> snaps = forest(parents);
      SnapshotTree t = SnapshotTree.of(snaps, Optional.empty());
      List<String> order = t.topologicalOrder();
      assertThat(order).hasSize(snaps.size()).doesNotHaveDuplicates();
      Set<String> seen = new HashSet<>();
      for (String n : order) {
        t.parent(n).ifPresent(p -> assertThat(seen).contains(p)); // parents first
        seen.add(n);
        for (String c : t.children(n)) {
          assertThat(t.parent(c)).contains(n);
        }
        assertThat(t.descendants(n)).doesNotContain(n).doesNotHaveDuplicates();
        for (String a : t.ancestors(n)) {
          assertThat(t.descendants(a)).contains(n);
        }
      }
      assertThat(t.roots()).allSatisfy(r -> assertThat(t.parent(r)).isEmpty());
      int total = t.roots().size();
      for (String r : t.roots()) {
        total += t.descendants(r).size();
      }
      assertThat(total).isEqualTo(snaps.size());
      assertThat(t.leaves()).allSatisfy(l -> assertThat(t.children(l)).isEmpty());
    });
  }

  @Test
  void rendersAsVirshDoesMarkingTheCurrentSnapshot() {
    SnapshotTree t = SnapshotTree.of(List.of(
        snap("base", Optional.empty(), List.of("v2", "experiment"), 1),
        snap("v2", Optional.of("base"), List.of("v3"), 2),
        snap("v3", Optional.of("v2"), List.of(), 3),
        snap("experiment", Optional.of("base"), List.of(), 4),
        snap("other", Optional.empty(), List.of(), 5)), Optional.of("v3"));
    assertThat(t.render()).isEqualTo("""
        base
          |
          +- v2
          |   |
          |   +- v3 (current)
          |
          +- experiment

        other

        """);
    assertThat(t.render("v2")).isEqualTo("v2\n  |\n  +- v3 (current)\n\n");
    assertThat(SnapshotTree.empty().render()).isEmpty();
    assertThatThrownBy(() -> t.render("nope")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nope'");
  }

  @Test
  void renderToWritesWhatRenderReturnsLineByLineAndStopsAtTheWritersError() throws Exception {
    SnapshotTree t = SnapshotTree.of(List.of(
        snap("base", Optional.empty(), List.of("v2", "experiment"), 1),
        snap("v2", Optional.of("base"), List.of("v3"), 2),
        snap("v3", Optional.of("v2"), List.of(), 3),
        snap("experiment", Optional.of("base"), List.of(), 4),
        snap("other", Optional.empty(), List.of(), 5)), Optional.of("v3"));
    java.io.StringWriter all = new java.io.StringWriter();
    t.renderTo(all);
    assertThat(all.toString()).isEqualTo(t.render());
    java.io.StringWriter sub = new java.io.StringWriter();
    t.renderTo("v2", sub);
    assertThat(sub.toString()).isEqualTo(t.render("v2"));
    assertThatThrownBy(() -> t.renderTo("nope", new StringBuilder()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'nope'");

    // a writer that fails on its third write: the error reaches the caller, the first two writes stay
    StringBuilder written = new StringBuilder();
    Appendable failing = new Appendable() {
      private int writes;

      private Appendable count() throws java.io.IOException {
        if (++writes == 3) {
          throw new java.io.IOException("EPIPE");
        }
        return this;
      }

      @Override
      public Appendable append(CharSequence csq) throws java.io.IOException {
        count();
        written.append(csq);
        return this;
      }

      @Override
      public Appendable append(CharSequence csq, int start, int end) throws java.io.IOException {
        count();
        written.append(csq, start, end);
        return this;
      }

      @Override
      public Appendable append(char c) throws java.io.IOException {
        count();
        written.append(c);
        return this;
      }
    };
    assertThatThrownBy(() -> t.renderTo(failing)).isInstanceOf(java.io.IOException.class).hasMessage("EPIPE");
    assertThat(written.toString()).isEqualTo("base\n  |\n  +- v2\n");
    assertThat(t.render()).startsWith(written.toString());
  }

  @Test
  void rendersAChainOfTenThousandWithoutRecursion() {
    int n = 10_000;
    List<Snapshot> chain = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      chain.add(snap("s" + i, i == 0 ? Optional.empty() : Optional.of("s" + (i - 1)),
          i == n - 1 ? List.of() : List.of("s" + (i + 1)), i));
    }
    String text = SnapshotTree.of(chain, Optional.of("s" + (n - 1))).render();
    String[] lines = text.split("\n", -1);
    assertThat(lines[0]).isEqualTo("s0");
    assertThat(lines[2 * (n - 1)]).isEqualTo(" ".repeat(4 * (n - 2)) + "  +- s" + (n - 1) + " (current)");
  }

  /** Reads a rendering back: each name's parent is the nearest line above it with a smaller indent. */
  @Test
  void renderingReadsBackAsTheSameForest() {
    qt().forAll(lists().of(integers().between(-3, 1000)).ofSizeBetween(0, 60), integers().between(-1, 59))
        .checkAssert((parents, cur) -> {
          List<Snapshot> snaps = forest(parents);
          Optional<String> current = cur >= 0 && cur < snaps.size() ? Optional.of("s" + cur) : Optional.empty();
          SnapshotTree t = SnapshotTree.of(snaps, current);
          List<String> names = new ArrayList<>();
          List<Optional<String>> readParents = new ArrayList<>();
          java.util.Map<Integer, String> atDepth = new java.util.HashMap<>();
          List<String> marked = new ArrayList<>();
          for (String line : t.render().split("\n")) {
            if (line.isEmpty() || line.endsWith("|")) {
              continue;
            }
            int plus = line.indexOf("+- ");
            int depth = plus < 0 ? 0 : plus / 4 + 1;
            String name = plus < 0 ? line : line.substring(plus + 3);
            if (name.endsWith(SnapshotTree.CURRENT_MARK)) {
              name = name.substring(0, name.length() - SnapshotTree.CURRENT_MARK.length());
              marked.add(name);
            }
            names.add(name);
            readParents.add(depth == 0 ? Optional.empty() : Optional.of(atDepth.get(depth - 1)));
            atDepth.put(depth, name);
          }
          assertThat(names).containsExactlyElementsOf(t.topologicalOrder());
          for (int i = 0; i < names.size(); i++) {
            assertThat(readParents.get(i)).as(names.get(i)).isEqualTo(t.parent(names.get(i)));
          }
          assertThat(marked).containsExactlyElementsOf(current.stream().toList());
        });
  }
}
