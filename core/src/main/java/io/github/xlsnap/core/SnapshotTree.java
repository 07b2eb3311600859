package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import com.google.common.base.VerifyException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The snapshots of one domain as a forest, with the current snapshot. Immutable and thread-safe.
 *
 * <p>Construction checks the invariants every operation keeps: names are unique; a parent exists and
 * lists the child among its children, and a listed child names its parent; there are no cycles; the
 * current snapshot, if any, exists. A violation is an {@link IllegalArgumentException} naming the
 * snapshots concerned.
 */
public final class SnapshotTree {
  /** What {@link #render()} appends to the current snapshot's name. */
  public static final String CURRENT_MARK = " (current)";

  private static final Comparator<Snapshot> BY_TIME =
      Comparator.comparing(Snapshot::createTime).thenComparing(Snapshot::name);

  private final Map<String, Snapshot> byName;
  private final List<String> roots;
  private final List<String> topological;
  private final Optional<String> current;

  private SnapshotTree(Map<String, Snapshot> byName, Optional<String> current) {
    this.byName = byName;
    this.current = current;
    List<Snapshot> r = new ArrayList<>();
    for (Snapshot s : byName.values()) {
      if (s.parent().isEmpty()) {
        r.add(s);
      }
    }
    r.sort(BY_TIME);
    List<String> rootNames = new ArrayList<>(r.size());
    for (Snapshot s : r) {
      rootNames.add(s.name());
    }
    this.roots = List.copyOf(rootNames);
    List<String> order = depthFirst(rootNames);
    if (order.size() != byName.size()) {
      Set<String> unreachable = new LinkedHashSet<>(byName.keySet());
      order.forEach(unreachable::remove);
      throw new IllegalArgumentException("snapshots in a parent cycle: " + unreachable);
    }
    this.topological = List.copyOf(order);
  }

  /**
   * An empty tree.
   *
   * @return a tree with no snapshots and no current snapshot
   */
  public static SnapshotTree empty() {
    return new SnapshotTree(Map.of(), Optional.empty());
  }

  /**
   * Builds and checks a tree.
   *
   * @param snapshots the domain's snapshots, in any order
   * @param current the current snapshot's name, empty if none
   * @return the tree
   * @throws IllegalArgumentException if an invariant is broken, naming the snapshots concerned
   */
  public static SnapshotTree of(Collection<Snapshot> snapshots, Optional<String> current) {
    requireNonNull(current, "current");
    Map<String, Snapshot> map = new LinkedHashMap<>(snapshots.size() * 4 / 3 + 1);
    for (Snapshot s : snapshots) {
      if (map.put(s.name(), s) != null) {
        throw new IllegalArgumentException("two snapshots named '" + s.name() + "'");
      }
    }
    // Linear in the number of snapshots: each listed child must name its parent, and as a snapshot
    // lists no child twice (see Snapshot), the listed children are then distinct snapshots with a
    // parent; if they are as many as the snapshots with a parent, every parent lists its children.
    // (The loops only call methods: a cold JVM compiles a method after some hundred calls, but runs
    // a loop body in a method called once interpreted.)
    int withParent = 0;
    int listed = 0;
    for (Snapshot s : map.values()) {
      listed += checkRelations(s, map);
      withParent += s.parent().isPresent() ? 1 : 0;
    }
    if (listed != withParent) {
      for (Snapshot s : map.values()) {
        Snapshot p = s.parent().map(map::get).orElse(null);
        if (p != null && !p.children().contains(s.name())) {
          throw new IllegalArgumentException(
              "snapshot '" + s.name() + "' names parent '" + p.name() + "', which does not list it as a child");
        }
      }
      throw new VerifyException("children counted " + listed + ", snapshots with a parent " + withParent);
    }
    current.ifPresent(c -> {
      if (!map.containsKey(c)) {
        throw new IllegalArgumentException("current snapshot '" + c + "' does not exist");
      }
    });
    return new SnapshotTree(map, current); // never changed after this, nor exposed
  }

  /**
   * Checks that a snapshot's parent exists and that each child it lists exists and names it.
   *
   * @return the number of children it lists
   */
  private static int checkRelations(Snapshot s, Map<String, Snapshot> map) {
    Optional<String> parent = s.parent();
    if (parent.isPresent() && !map.containsKey(parent.get())) {
      throw new IllegalArgumentException(
          "snapshot '" + s.name() + "' names parent '" + parent.get() + "', which does not exist");
    }
    for (String c : s.children()) {
      Snapshot child = map.get(c);
      if (child == null) {
        throw new IllegalArgumentException("snapshot '" + s.name() + "' lists child '" + c + "', which does not exist");
      }
      Optional<String> childsParent = child.parent();
      if (childsParent.isEmpty() || !childsParent.get().equals(s.name())) {
        throw new IllegalArgumentException(
            "snapshot '" + s.name() + "' lists child '" + c + "', which names another parent");
      }
    }
    return s.children().size();
  }

  /**
   * Returns the number of snapshots.
   *
   * @return the size
   */
  public int size() {
    return byName.size();
  }

  /**
   * Tells whether the tree is empty.
   *
   * @return true if there are no snapshots
   */
  public boolean isEmpty() {
    return byName.isEmpty();
  }

  /**
   * Tells whether a snapshot exists.
   *
   * @param name the name
   * @return true if it exists
   */
  public boolean contains(String name) {
    return byName.containsKey(name);
  }

  /**
   * Looks a snapshot up.
   *
   * @param name the name
   * @return the snapshot, empty if none has that name
   */
  public Optional<Snapshot> find(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /**
   * Returns a snapshot that must exist.
   *
   * @param name the name
   * @return the snapshot
   * @throws IllegalArgumentException if none has that name
   */
  public Snapshot get(String name) {
    Snapshot s = byName.get(name);
    if (s == null) {
      throw new IllegalArgumentException("no snapshot named '" + name + "'");
    }
    return s;
  }

  /**
   * Returns the current snapshot's name: the one last taken or reverted to.
   *
   * @return its name, empty if there is none
   */
  public Optional<String> current() {
    return current;
  }

  /**
   * Returns the snapshots without a parent, oldest first.
   *
   * @return the roots' names
   */
  public List<String> roots() {
    return roots;
  }

  /**
   * Returns a snapshot's parent.
   *
   * @param name an existing snapshot
   * @return the parent's name, empty for a root
   */
  public Optional<String> parent(String name) {
    return get(name).parent();
  }

  /**
   * Returns a snapshot's direct children, in creation order.
   *
   * @param name an existing snapshot
   * @return the children's names
   */
  public List<String> children(String name) {
    return get(name).children();
  }

  /**
   * Returns all descendants of a snapshot, parents before children (depth first).
   *
   * @param name an existing snapshot
   * @return the descendants' names, without {@code name} itself
   */
  public List<String> descendants(String name) {
    return depthFirst(children(name));
  }

  /** The nodes under (and including) the given ones, each parent before its children. */
  private List<String> depthFirst(List<String> starts) {
    List<String> out = new ArrayList<>();
    Deque<String> stack = new ArrayDeque<>();
    pushReversed(stack, starts);
    while (!stack.isEmpty()) {
      String n = stack.pop();
      out.add(n);
      pushReversed(stack, byName.get(n).children());
    }
    return out;
  }

  private static void pushReversed(Deque<String> stack, List<String> names) {
    for (int i = names.size() - 1; i >= 0; i--) {
      stack.push(names.get(i));
    }
  }

  /**
   * Returns the ancestors of a snapshot, nearest first.
   *
   * @param name an existing snapshot
   * @return the ancestors' names
   */
  public List<String> ancestors(String name) {
    List<String> out = new ArrayList<>();
    Optional<String> p = parent(name);
    while (p.isPresent()) {
      out.add(p.get());
      p = byName.get(p.get()).parent();
    }
    return out;
  }

  /**
   * Returns the snapshots without children, in topological order.
   *
   * @return the leaves' names
   */
  public List<String> leaves() {
    return topological.stream().filter(n -> byName.get(n).children().isEmpty()).toList();
  }

  /**
   * Returns every snapshot, each parent before its children, siblings in creation order.
   *
   * @return all names in topological (depth-first) order
   */
  public List<String> topologicalOrder() {
    return topological;
  }

  /**
   * Returns every snapshot in topological order.
   *
   * @return the snapshots
   */
  public List<Snapshot> snapshots() {
    return topological.stream().map(byName::get).toList();
  }

  /**
   * Returns the depth of a snapshot: 0 for a root.
   *
   * @param name an existing snapshot
   * @return the number of ancestors
   */
  public int depth(String name) {
    return ancestors(name).size();
  }

  /**
   * Renders the whole forest as {@code virsh snapshot-list --tree} does, each root followed by its
   * descendants and a blank line, the current snapshot marked {@value #CURRENT_MARK}:
   *
   * <pre>
   * base
   *   |
   *   +- v2
   *   |   |
   *   |   +- v3 (current)
   *   |
   *   +- experiment
   *
   * </pre>
   *
   * <p>Siblings come in creation order. Rendering is iterative, so a chain of any length renders.
   *
   * @return the text, empty for an empty tree
   */
  public String render() {
    StringBuilder b = new StringBuilder();
    for (String root : roots) {
      renderFrom(b, root);
    }
    return b.toString();
  }

  /**
   * Renders the subtree under one snapshot, as {@link #render()} renders each root.
   *
   * @param top an existing snapshot
   * @return the text: {@code top}, its descendants and a blank line
   * @throws IllegalArgumentException if there is no snapshot named {@code top}
   */
  public String render(String top) {
    get(requireNonNull(top, "top"));
    StringBuilder b = new StringBuilder();
    renderFrom(b, top);
    return b.toString();
  }

  /**
   * Writes what {@link #render()} returns to {@code out}, line by line, without building it whole:
   * the text grows with the square of a chain's length (each level indents its children by four
   * more characters; a chain of 10,000 renders to about 400 MB), so a command printing the tree
   * should use this.
   *
   * @param out where to write; not closed or flushed
   * @throws IOException what {@code out} throws; what was written before it stays written
   */
  public void renderTo(Appendable out) throws IOException {
    requireNonNull(out, "out");
    for (String root : roots) {
      renderFrom(out, root);
    }
  }

  /**
   * Writes what {@link #render(String)} returns to {@code out}, line by line, as
   * {@link #renderTo(Appendable)} does.
   *
   * @param top an existing snapshot
   * @param out where to write; not closed or flushed
   * @throws IllegalArgumentException if there is no snapshot named {@code top}; nothing is written
   * @throws IOException what {@code out} throws
   */
  public void renderTo(String top, Appendable out) throws IOException {
    get(requireNonNull(top, "top"));
    requireNonNull(out, "out");
    renderFrom(out, top);
  }

  private void renderFrom(StringBuilder b, String top) {
    try {
      renderFrom((Appendable) b, top);
    } catch (IOException e) {
      throw new VerifyException("a StringBuilder threw " + e, e);
    }
  }

  /**
   * Depth first, iteratively (a chain of any length renders). The indentation of every level is one
   * buffer: a frame keeps only its length, since a frame's prefix is its parent's plus four
   * characters written when the frame is pushed, and deeper frames write only beyond it.
   */
  private void renderFrom(Appendable out, String top) throws IOException {
    StringBuilder line = new StringBuilder();
    appendName(line, top);
    out.append(line);
    // each frame: the children still to print under a node and the length of their prefix
    record Frame(List<String> kids, int next, int indent) {}
    StringBuilder indent = new StringBuilder();
    Deque<Frame> stack = new ArrayDeque<>();
    stack.push(new Frame(byName.get(top).children(), 0, 0));
    while (!stack.isEmpty()) {
      Frame f = stack.pop();
      if (f.next() == f.kids().size()) {
        continue;
      }
      String kid = f.kids().get(f.next());
      boolean last = f.next() == f.kids().size() - 1;
      stack.push(new Frame(f.kids(), f.next() + 1, f.indent()));
      indent.setLength(f.indent());
      line.setLength(0);
      line.append(indent).append("  |\n").append(indent).append("  +- ");
      appendName(line, kid);
      out.append(line);
      indent.append(last ? "    " : "  | ");
      stack.push(new Frame(byName.get(kid).children(), 0, indent.length()));
    }
    out.append('\n');
  }

  private void appendName(StringBuilder b, String name) {
    b.append(name);
    if (current.equals(Optional.of(name))) {
      b.append(CURRENT_MARK);
    }
    b.append('\n');
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SnapshotTree t && t.byName.equals(byName) && t.current.equals(current);
  }

  @Override
  public int hashCode() {
    return byName.hashCode() * 31 + current.hashCode();
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    for (String n : topological) {
      b.append("  ".repeat(depth(n))).append(n);
      if (current.equals(Optional.of(n))) {
        b.append(" *");
      }
      b.append('\n');
    }
    return b.toString();
  }
}
