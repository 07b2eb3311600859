package io.github.xlsnap.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random sequences of guest writes, creates (paused or live; each disk internal or external),
 * deletes (all three modes), reverts (all three targets) and guest crashes (the domain preserved,
 * crashed: creates are refused, deletes and reverts work) on the simulated host, checked against a
 * plain model after every step: the tree's relations and current snapshot match the model, the
 * domain's run state is what the model expects, and at the end reverting to every surviving snapshot
 * restores exactly the guest memory and disk contents present when it was taken. QuickTheories
 * shrinks a failure to a minimal sequence.
 */
class ModelBasedLifecycleTest {
  private static final List<String> DISKS = List.of("xvda", "xvdb");
  private static final int EXAMPLES = Integer.getInteger("xlsnap.modelExamples", 60);

  @TempDir Path base;
  private final AtomicInteger run = new AtomicInteger();

  /** One command, decoded from a generated integer so that QuickTheories can shrink it. */
  record Command(int kind, int arg, int flags) {
    static final int CODES = 42 * 8;

    static Command decode(int code) {
      return new Command(code % 6, (code / 6) % 7, code / 42);
    }

    @Override
    public String toString() {
      return switch (kind) {
        case 0, 1 -> "write " + (flags % 1000);
        case 2 -> "create s" + arg + (flags % 2 == 1 ? " --live" : "") + " disks " + modes();
        case 3 -> "delete s" + arg + " " + DeleteMode.values()[flags % 3];
        case 4 -> "revert s" + arg + " " + RevertTarget.values()[flags % 3];
        default -> "crash";
      };
    }

    List<DiskSpec> specs() {
      List<DiskSpec> specs = new ArrayList<>();
      for (int i = 0; i < DISKS.size(); i++) {
        specs.add(((flags >> (1 + i)) & 1) == 1 ? DiskSpec.external(DISKS.get(i)) : DiskSpec.internal(DISKS.get(i)));
      }
      return specs;
    }

    String modes() {
      return specs().stream().map(s -> s.target() + "=" + s.mode()).collect(Collectors.joining(","));
    }
  }

  /** What the guest holds: one number in memory and on each disk. */
  record GuestState(long memory, Map<String, Long> disks) {}

  /** The model: a tree of guest states. */
  static final class Model {
    final Map<String, GuestState> states = new LinkedHashMap<>();
    final Map<String, Optional<String>> parents = new HashMap<>();
    final Map<String, Boolean> pausedWhenTaken = new HashMap<>();
    Optional<String> current = Optional.empty();
    long value;
    boolean paused;
    boolean crashed;

    List<String> children(String name) {
      return parents.entrySet().stream().filter(e -> e.getValue().equals(Optional.of(name))).map(Map.Entry::getKey)
          .sorted().toList();
    }

    List<String> descendants(String name) {
      List<String> out = new ArrayList<>();
      for (String c : children(name)) {
        out.add(c);
        out.addAll(descendants(c));
      }
      return out;
    }

    Optional<String> nearestSurvivor(String from, List<String> gone) {
      Optional<String> p = parents.get(from);
      while (p.isPresent() && gone.contains(p.get())) {
        p = parents.get(p.get());
      }
      return p;
    }
  }

  @Test
  void randomLifecyclesMatchTheModel() {
    qt().withExamples(EXAMPLES).withShrinkCycles(30)
        .forAll(lists().of(integers().between(0, Command.CODES - 1).map(Command::decode)).ofSizeBetween(1, 9))
        .checkAssert(this::runSequence);
  }

  private void runSequence(List<Command> commands) {
    Path dir = base.resolve("run-" + run.incrementAndGet());
    DiskImages images = QemuImg.system();
    try (SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host"), images)) {
      host.createDomain(new SimDomainSpec("vm", Optional.empty(), 16 * 1024, 1,
          List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20), new SimDiskSpec("xvdb", DiskFormat.QCOW2, 1 << 20)),
          false));
      SnapshotManager manager = SnapshotManager.builder(host, StoreUnderTest.open(dir.resolve("snapshots")))
          .diskImages(images).build();
      DomainSelector vm = DomainSelector.byName("vm");
      Model model = new Model();
      Guest guest = new Guest(host, vm);
      guest.write(0);

      for (Command c : commands) {
        apply(c, manager, guest, model, vm);
        checkTree(manager.tree(vm), model);
        assertThat(guest.paused()).as("domain paused after %s", c).isEqualTo(model.paused);
        assertThat(guest.crashed()).as("domain crashed after %s", c).isEqualTo(model.crashed);
      }
      for (String name : List.copyOf(model.states.keySet())) {
        manager.revert(vm, name, new RevertOptions(RevertTarget.RUNNING, false));
        assertThat(guest.read()).as("contents after reverting to %s", name).isEqualTo(model.states.get(name));
      }
    }
  }

  private static void apply(Command c, SnapshotManager manager, Guest guest, Model model, DomainSelector vm) {
    String name = "s" + c.arg();
    switch (c.kind()) {
      case 0, 1 -> {
        if (model.crashed) {
          return; // a crashed guest writes nothing
        }
        if (model.paused) {
          guest.unpause();
          model.paused = false;
        }
        model.value = c.flags() % 1000 + 1;
        guest.write(model.value);
      }
      case 2 -> {
        if (model.states.containsKey(name)) {
          return;
        }
        if (model.crashed) {
          assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().name(name).build()))
              .isInstanceOf(DomainStateException.class);
          return;
        }
        manager.create(vm, CreateSpec.builder().name(name).live(c.flags() % 2 == 1).disks(c.specs()).build());
        model.states.put(name, guest.read());
        model.parents.put(name, model.current);
        model.pausedWhenTaken.put(name, model.paused);
        model.current = Optional.of(name);
      }
      case 3 -> {
        if (!model.states.containsKey(name)) {
          return;
        }
        DeleteMode mode = DeleteMode.values()[c.flags() % 3];
        manager.delete(vm, name, mode);
        List<String> gone = new ArrayList<>();
        switch (mode) {
          case MERGE -> gone.add(name);
          case CHILDREN -> {
            gone.add(name);
            gone.addAll(model.descendants(name));
          }
          case CHILDREN_ONLY -> gone.addAll(model.descendants(name));
        }
        Optional<String> newParent = model.parents.get(name);
        for (String child : model.children(name)) {
          if (!gone.contains(child)) {
            model.parents.put(child, newParent);
          }
        }
        if (model.current.isPresent() && gone.contains(model.current.get())) {
          model.current = model.nearestSurvivor(model.current.get(), gone);
        }
        gone.forEach(g -> {
          model.states.remove(g);
          model.parents.remove(g);
          model.pausedWhenTaken.remove(g);
        });
      }
      case 4 -> {
        if (!model.states.containsKey(name)) {
          return;
        }
        RevertTarget target = RevertTarget.values()[c.flags() % 3];
        manager.revert(vm, name, new RevertOptions(target, false));
        assertThat(guest.read()).as("contents after %s", c).isEqualTo(model.states.get(name));
        model.current = Optional.of(name);
        model.crashed = false;
        model.paused = switch (target) {
          case AS_TAKEN -> model.pausedWhenTaken.get(name);
          case RUNNING -> false;
          case PAUSED -> true;
        };
      }
      default -> {
        if (model.crashed) {
          return;
        }
        if (model.paused) {
          guest.unpause(); // only a running guest can crash
          model.paused = false;
        }
        guest.crash();
        model.crashed = true;
      }
    }
  }

  private static void checkTree(SnapshotTree tree, Model model) {
    assertThat(tree.topologicalOrder()).containsExactlyInAnyOrderElementsOf(model.states.keySet());
    for (String n : model.states.keySet()) {
      assertThat(tree.parent(n)).as("parent of %s", n).isEqualTo(model.parents.get(n));
      assertThat(tree.children(n)).as("children of %s", n).containsExactlyInAnyOrderElementsOf(model.children(n));
    }
    assertThat(tree.current()).isEqualTo(model.current);
  }

  /** Reads and writes the guest's numbers through the simulated host. */
  record Guest(SimulatedHypervisor host, DomainSelector vm) {
    io.github.xlsnap.core.DomainRef ref() {
      return host.find(vm).orElseThrow().ref();
    }

    void write(long value) {
      byte[] b = ByteBuffer.allocate(8).putLong(value).array();
      host.writeMemory(ref(), 8, b);
      for (String d : DISKS) {
        host.writeDisk(ref(), d, 65536 + 8, b);
      }
    }

    GuestState read() {
      Map<String, Long> disks = new LinkedHashMap<>();
      for (String d : DISKS) {
        disks.put(d, ByteBuffer.wrap(host.readDisk(ref(), d, 65536 + 8, 8)).getLong());
      }
      return new GuestState(ByteBuffer.wrap(host.readMemory(ref(), 8, 8)).getLong(), disks);
    }

    boolean paused() {
      return host.info(ref()).state().paused();
    }

    void unpause() {
      host.unpause(ref());
    }

    boolean crashed() {
      return host.info(ref()).state().word().equals("crashed");
    }

    void crash() {
      host.crash(ref());
    }
  }
}
