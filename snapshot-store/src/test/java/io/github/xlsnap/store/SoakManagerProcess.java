package io.github.xlsnap.store;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DeleteResult;
import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.RevertTarget;
import io.github.xlsnap.core.RiskyRevertException;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.SnapshotTree;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.GuestWrite;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * The manager process of {@link ManagerSoakTest}: a {@link SnapshotManager} over a simulated host
 * and a {@link JsonSnapshotStore}, doing random operations until it is killed.
 *
 * <p>{@code <host-dir> <store-dir> <domain-name> <seed> <name-prefix> <halt-after-acks> <halt-at>}:
 * loads its classes, waits for a line {@code GO} on standard input (the parent starts the next
 * process while it checks the last one's aftermath), opens the host and the store, calls
 * {@link SnapshotManager#recoverAll()}, prints {@code READY}, then loops over random operations
 * drawn from a {@link Random} with the seed. For each one it prints {@code BEGIN <op> <name>
 * <key=value>...} before and {@code ACK <op> <name> <key=value>...} after it returns, flushed: the
 * parent knows what was acknowledged and what was in flight at the kill.
 *
 * <p>Operations: guest writes of a pattern naming the next snapshot ({@link #pattern}) to memory and
 * to each disk, then a create (with or without memory, live or not, each disk internal, external or
 * not captured, from a running or a paused domain); reverts (running, paused, as taken); deletes
 * (merge, children, children only); pause and unpause; guest scribbles elsewhere on memory and disks.
 * A tree of more than {@value #MAX_SNAPSHOTS} snapshots has a subtree deleted.
 *
 * <p><b>Halting at a step.</b> With {@code halt-at} N above 0, once {@code halt-after-acks}
 * acknowledgements are printed, the child counts the steps that change something, each call of the
 * manager to the hypervisor, the disk tool or the store that writes ({@link #CHANGING}) giving two
 * (before it and after it); at step N it prints {@code HALT <n> <before|after> <call>} and stops for
 * good, for the parent to kill it there. A kill point is then a deterministic function of the seed.
 *
 * <p><b>A script instead of chance.</b> An eighth argument replaces the random operations by a
 * script, operations separated by {@code ;}: {@code create <name> <memory> <xvda-mode>,<xvdb-mode>},
 * {@code delete <name> <mode>}, {@code revert <name> <target>}; and {@code halt-at} may then name a
 * call, {@code before:<method>} or {@code after:<method>}, to halt at its first occurrence. After the
 * script the process waits to be killed. Known bugs are reproduced this way, deterministically.
 *
 * <p>A revert refused for known bug B1 ({@link #isKnownBugB1}) prints {@code KNOWNBUG B1 <message>}
 * and is retried with force.
 *
 * <p>Anything unexpected (an operation that throws, a domain left in the wrong state) prints
 * {@code FAIL <what>} and exits with 3.
 */
final class SoakManagerProcess {
  /** Guest memory and disk size. */
  static final int MEMORY_BYTES = 16 * SimulatedHypervisor.PAGE_SIZE;
  static final long DISK_BYTES = 256 * 1024;
  static final List<String> DISKS = List.of("xvda", "xvdb");
  static final int PATTERN_BYTES = 64;
  static final int MAX_SNAPSHOTS = 8;

  /** The calls whose before and after are halting steps: those that change something. */
  static final Set<String> CHANGING = Set.of(
      "pause", "unpause", "checkpoint", "resume", "snapshotDisks", "discardDiskSnapshots",
      "deleteInternalDiskSnapshot", "restore", "destroy", "shutdown",
      "create", "createInternalSnapshot", "applyInternalSnapshot", "deleteInternalSnapshot",
      "extractInternalSnapshot", "createOverlay", "rebase", "commit", "write",
      "save", "saveIntent");

  private final SimulatedHypervisor host;
  private final SnapshotManager manager;
  private final DomainSelector vm;
  private final Random random;
  private final String prefix;
  private final PrintStream out;
  private final Halting halting;
  private final java.util.Deque<String> script = new java.util.ArrayDeque<>();
  private boolean scripted;
  private boolean expectPaused;
  private int created;

  private SoakManagerProcess(SimulatedHypervisor host, SnapshotManager manager, DomainSelector vm, Random random,
      String prefix, PrintStream out, Halting halting) {
    this.host = host;
    this.manager = manager;
    this.vm = vm;
    this.random = random;
    this.prefix = prefix;
    this.out = out;
    this.halting = halting;
  }

  /** What the guest writes at offset 0 of memory ({@code target} "memory") or of a disk before a create. */
  static byte[] pattern(String target, String snapshot) {
    byte[] b = Arrays.copyOf((target + ":" + snapshot).getBytes(StandardCharsets.UTF_8), PATTERN_BYTES);
    Arrays.fill(b, (target + ":" + snapshot).length(), PATTERN_BYTES, (byte) '.');
    return b;
  }

  public static void main(String[] args) {
    PrintStream out = System.out;
    try {
      run(args, out);
    } catch (Throwable e) {
      out.println("FAIL " + e.toString().replace('\n', ' '));
      out.flush();
      e.printStackTrace();
      System.exit(3);
    }
  }

  private static void run(String[] args, PrintStream out) throws Exception {
    for (Class<?> c : List.of(SnapshotManager.class, JsonSnapshotStore.class, SimulatedHypervisor.class,
        QemuImg.class, com.fasterxml.jackson.databind.ObjectMapper.class)) {
      Class.forName(c.getName(), true, c.getClassLoader());
    }
    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in,
        StandardCharsets.UTF_8));
    if (!"GO".equals(in.readLine())) {
      return; // the parent is gone, or did not need this process
    }
    Halting halting = new Halting(out, Integer.parseInt(args[5]), args[6]);
    try (SimulatedHypervisor host = SimulatedHypervisor.open(Path.of(args[0]))) {
      SnapshotStore store = halting.wrap(SnapshotStore.class, JsonSnapshotStore.open(Path.of(args[1])));
      SnapshotManager manager = SnapshotManager.builder(halting.wrap(Hypervisor.class, host), store)
          .diskImages(halting.wrap(DiskImages.class, QemuImg.system())).build();
      manager.recoverAll();
      SoakManagerProcess p = new SoakManagerProcess(host, manager, DomainSelector.byName(args[2]),
          new Random(Long.parseLong(args[3])), args[4], out, halting);
      p.expectPaused = p.domain().state().paused();
      if (args.length > 7) {
        p.scripted = true;
        p.script.addAll(List.of(args[7].split(";")));
      }
      out.println("READY");
      out.flush();
      while (true) {
        p.step();
      }
    }
  }

  private DomainInfo domain() {
    return host.find(vm).orElseThrow(() -> new IllegalStateException("the domain is gone"));
  }

  private void line(String kind, String what) {
    out.println(kind + " " + what);
    out.flush();
  }

  private void ack(String what) {
    DomainInfo d = domain();
    if (d.state().isSuspended() || d.state().shutdown().isPresent() || d.state().paused() != expectPaused) {
      throw new IllegalStateException("after " + what + " the domain is " + d.state() + ", expected "
          + (expectPaused ? "paused" : "running"));
    }
    line("ACK", what);
    halting.acknowledged();
  }

  private void step() {
    SnapshotTree tree = manager.tree(vm);
    if (scripted) {
      scripted(tree);
      return;
    }
    List<String> names = tree.topologicalOrder();
    int dice = random.nextInt(100);
    if (names.size() > MAX_SNAPSHOTS) {
      delete(tree, tree.roots().get(random.nextInt(tree.roots().size())), DeleteMode.CHILDREN);
    } else if (names.isEmpty() || dice < 35) {
      create();
    } else if (dice < 62) {
      revert(tree.get(names.get(random.nextInt(names.size()))));
    } else if (dice < 90) {
      DeleteMode mode = DeleteMode.values()[random.nextInt(DeleteMode.values().length)];
      delete(tree, names.get(random.nextInt(names.size())), mode);
    } else if (dice < 95) {
      setPaused(!expectPaused);
    } else if (!expectPaused) {
      byte[] noise = new byte[PATTERN_BYTES];
      random.nextBytes(noise);
      line("BEGIN", "scribble -");
      host.write(domain().ref(), new GuestWrite.Memory(PATTERN_BYTES * 2, noise),
          new GuestWrite.Disk(DISKS.get(random.nextInt(DISKS.size())), 64 * 1024 + random.nextInt(1024), noise));
      ack("scribble -");
    }
  }

  private void scripted(SnapshotTree tree) {
    if (script.isEmpty()) {
      line("DONE", "-");
      Halting.stopForGood();
    }
    String[] w = script.removeFirst().trim().split(" ");
    switch (w[0]) {
      case "create" -> {
        List<DiskSnapshotMode> modes = Arrays.stream(w[3].split(",")).map(DiskSnapshotMode::valueOf).toList();
        create(w[1], Boolean.parseBoolean(w[2]), false, modes, false);
      }
      case "delete" -> delete(tree, w[1], DeleteMode.valueOf(w[2]));
      case "revert" -> revert(tree.get(w[1]), RevertTarget.valueOf(w[2]));
      default -> throw new IllegalArgumentException("unknown script operation " + w[0]);
    }
  }

  private void setPaused(boolean paused) {
    String op = paused ? "pause" : "unpause";
    line("BEGIN", op + " -");
    DomainRef ref = domain().ref();
    if (paused) {
      host.pause(ref);
    } else {
      host.unpause(ref);
    }
    expectPaused = paused;
    ack(op + " -");
  }

  private void create() {
    String name = prefix + "-" + created++;
    boolean pause = random.nextInt(5) == 0;
    boolean memory = random.nextInt(4) != 0;
    boolean live = memory && random.nextBoolean();
    List<DiskSnapshotMode> modes = new ArrayList<>();
    for (int i = 0; i < DISKS.size(); i++) {
      int m = random.nextInt(7);
      modes.add(m < 3 ? DiskSnapshotMode.INTERNAL : m < 6 ? DiskSnapshotMode.EXTERNAL : DiskSnapshotMode.NONE);
    }
    create(name, memory, live, modes, pause);
  }

  private void create(String name, boolean memory, boolean live, List<DiskSnapshotMode> modes, boolean pause) {
    if (expectPaused) {
      setPaused(false);
    }
    List<GuestWrite> writes = new ArrayList<>();
    writes.add(new GuestWrite.Memory(0, pattern("memory", name)));
    DISKS.forEach(d -> writes.add(new GuestWrite.Disk(d, 0, pattern(d, name))));
    line("BEGIN", "write " + name);
    host.write(domain().ref(), writes.toArray(GuestWrite[]::new));
    ack("write " + name);
    if (pause) {
      setPaused(true);
    }
    List<DiskSpec> disks = new ArrayList<>();
    List<String> described = new ArrayList<>();
    for (int i = 0; i < DISKS.size(); i++) {
      String d = DISKS.get(i);
      disks.add(switch (modes.get(i)) {
        case INTERNAL -> DiskSpec.internal(d);
        case EXTERNAL -> DiskSpec.external(d);
        case NONE -> DiskSpec.none(d);
      });
      described.add(d + ":" + modes.get(i));
    }
    String what = "create " + name + " memory=" + memory + " live=" + live + " disks=" + String.join(",", described)
        + " paused=" + expectPaused;
    line("BEGIN", what);
    manager.create(vm, CreateSpec.builder().name(name).memory(memory).live(live).disks(disks).build());
    ack(what);
  }

  private void revert(Snapshot snap) {
    revert(snap, RevertTarget.values()[random.nextInt(RevertTarget.values().length)]);
  }

  private void revert(Snapshot snap, RevertTarget target) {
    boolean paused = switch (target) {
      case AS_TAKEN -> snap.domainState().paused();
      case RUNNING -> false;
      case PAUSED -> true;
    };
    String what = "revert " + snap.name() + " target=" + target + " paused=" + paused;
    line("BEGIN", what);
    try {
      manager.revert(vm, snap.name(), new RevertOptions(target, isRisky(snap)));
    } catch (RiskyRevertException e) {
      if (!isKnownBugB1(e)) {
        throw e;
      }
      line("KNOWNBUG", "B1 " + e.getMessage());
      manager.revert(vm, snap.name(), new RevertOptions(target, true));
    }
    expectPaused = paused;
    ack(what);
  }

  /**
   * Whether a revert was refused only because frozen images look changed: known bug B1 (SOAK.md),
   * stamps that a recovered delete left stale. The parent decides whether that is tolerated.
   */
  static boolean isKnownBugB1(RiskyRevertException e) {
    return e.reasons().stream().allMatch(r -> r.matches("image .* of disk \\S+ changed since the snapshot was taken"));
  }

  /** Whether a revert to the snapshot needs force, for a reason the soak creates on purpose. */
  static boolean isRisky(Snapshot snap) {
    return snap.memoryImage().isEmpty() || snap.disks().stream().anyMatch(d -> d.mode() == DiskSnapshotMode.NONE);
  }

  private void delete(SnapshotTree tree, String name, DeleteMode mode) {
    List<String> doomed = new ArrayList<>(tree.descendants(name));
    if (mode == DeleteMode.MERGE) {
      doomed.clear();
    }
    if (mode != DeleteMode.CHILDREN_ONLY) {
      doomed.add(name);
    }
    line("BEGIN", "delete " + name + " mode=" + mode + " doomed=" + String.join(",", doomed));
    DeleteResult r = manager.delete(vm, name, mode);
    ack("delete " + name + " mode=" + mode + " doomed=" + String.join(",", r.deleted()));
  }

  /**
   * Counts the changing calls made through the components it wraps and stops the process for good
   * at the chosen step. One instance serves one single-threaded manager.
   */
  static final class Halting {
    private static final CountDownLatch NEVER = new CountDownLatch(1);
    private final PrintStream out;
    private final int afterAcks;
    private final String haltAt;
    private int acks;
    private int steps;

    /**
     * @param haltAt the step number ({@code 0}: never), or {@code before:<method>} / {@code after:<method>}
     */
    Halting(PrintStream out, int afterAcks, String haltAt) {
      this.out = out;
      this.afterAcks = afterAcks;
      this.haltAt = haltAt;
    }

    static void stopForGood() {
      while (true) {
        try {
          NEVER.await();
        } catch (InterruptedException e) {
          // a halted process waits for its SIGKILL
        }
      }
    }

    void acknowledged() {
      acks++;
    }

    <T> T wrap(Class<T> type, T delegate) {
      return type.cast(Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (proxy, method, args) -> {
        boolean changing = CHANGING.contains(method.getName());
        if (changing) {
          step("before", type, method);
        }
        Object result;
        try {
          result = method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
          throw e.getCause();
        }
        if (changing) {
          step("after", type, method);
        }
        return result;
      }));
    }

    private void step(String when, Class<?> type, Method method) {
      if (haltAt.equals("0") || acks < afterAcks) {
        return;
      }
      steps++;
      if (!haltAt.equals(Integer.toString(steps)) && !haltAt.equals(when + ":" + method.getName())) {
        return;
      }
      out.println("HALT " + steps + " " + when + " " + type.getSimpleName() + "." + method.getName());
      out.flush();
      stopForGood();
    }
  }
}
