package io.github.xlsnap.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.List;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * A failure injected at each hypervisor primitive and each disk image operation of create, delete
 * and revert leaves the domain's state, its guest-visible memory and disks, the files and internal
 * snapshots on disk, and the metadata as they were (a delete: as they were, or as after the delete),
 * and the domain never paused. A revert of a crashed domain that fails after the dead instance was
 * destroyed cannot bring it back: the domain is gone, and everything else is as it was (the disk
 * images read as before, the same files and internal snapshots but the dead instance's state files,
 * the metadata).
 */
class FailureAtomicityTest {
  private static final List<String> DISKS = List.of("xvda", "xvdb");

  private static final UUID WORLD_UUID = UUID.fromString("11111111-2222-3333-4444-555555555555");

  @TempDir Path base;

  /**
   * The worlds as built, by whether they have the in-place snapshot: building one takes dozens of
   * qemu-img runs, so each run of a scenario starts from a copy of its files instead, made at the very
   * path it was built at (its images name their backing files by absolute path), with the modification
   * times that the snapshots' stamps record.
   */
  private final Map<Boolean, Template> templates = new HashMap<>();

  /**
   * A built world, kept to copy.
   *
   * @param files where its directory is kept
   * @param diskImages the domain's disk images
   * @param metadata its snapshot metadata (an in-memory store keeps it nowhere else)
   * @param ids the last snapshot id handed out
   * @param clock the manager clock's next instant
   */
  private record Template(Path files, Map<String, Path> diskImages, DomainMetadata metadata, int ids, Instant clock) {}

  private static Path worldDirectory(Path base, boolean withInPlaceSnapshot) {
    return base.resolve(withInPlaceSnapshot ? "world-in-place" : "world");
  }

  private Template template(boolean withInPlaceSnapshot) {
    Path dir = worldDirectory(base, withInPlaceSnapshot);
    Path kept = base.resolve(dir.getFileName() + ".template");
    Template t;
    try (World w = new World(dir, withInPlaceSnapshot)) {
      t = new Template(kept, Map.copyOf(w.diskImages), w.store.load(WORLD_UUID), w.ids.get(), w.clock.instant());
    }
    copyTree(dir, kept);
    return t;
  }

  /** Copies a directory tree, replacing the target, with every file's modification time. */
  private static void copyTree(Path from, Path to) {
    try {
      if (Files.exists(to)) {
        try (Stream<Path> s = Files.walk(to)) {
          for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
            Files.delete(p);
          }
        }
      }
      try (Stream<Path> s = Files.walk(from)) {
        for (Path p : s.toList()) {
          Path target = to.resolve(from.relativize(p).toString());
          if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(target);
          } else {
            Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
            Files.setLastModifiedTime(target, Files.getLastModifiedTime(p));
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A host prepared with snapshots a (internal/external), b (internal), c (external), d (external) and,
   * with an in-place snapshot, e (internal, its images not frozen) and f (memory only, current).
   */
  final class World implements AutoCloseable {
    final Path dir;
    final FaultyDiskImages images = new FaultyDiskImages(QemuImg.system());
    final SimulatedHypervisor sim;
    final FaultyHypervisor host;
    final FaultyStore store;
    final AtomicInteger ids = new AtomicInteger();
    final SnapshotManagerTest.TickingClock clock;
    final SnapshotManager manager;
    final DomainSelector vm = DomainSelector.byName("vm");
    final InjectionPoint.Sequence sequence = new InjectionPoint.Sequence();

    /** The disk images of the domain when the world was made, read when the domain is gone. */
    final Map<String, Path> diskImages = new TreeMap<>();

    World(boolean withInPlaceSnapshot) {
      this(withInPlaceSnapshot, true);
    }

    World(Scenario s, boolean hostImagesFail) {
      this(s.inPlace(), hostImagesFail);
      if (s.crashed() || s.gone()) {
        sim.crash(ref());
      }
      if (s.gone()) {
        sim.destroy(ref());
      }
    }

    /**
     * A copy of the built world.
     *
     * @param hostImagesFail whether the simulated host's own disk operations go through the faulty
     *     wrapper too (not for crash tests: a crash stops the manager's process, not the Xen host)
     */
    World(boolean withInPlaceSnapshot, boolean hostImagesFail) {
      Template t = templates.computeIfAbsent(withInPlaceSnapshot, FailureAtomicityTest.this::template);
      dir = worldDirectory(base, withInPlaceSnapshot);
      copyTree(t.files(), dir);
      sim = SimulatedHypervisor.open(dir.resolve("host"), hostImagesFail ? images : QemuImg.system());
      host = new FaultyHypervisor(sim);
      SnapshotStore opened = StoreUnderTest.open(dir.resolve("snapshots"));
      if (!opened.domains().contains(WORLD_UUID)) {
        opened.save(t.metadata()); // an in-memory store; a store on disk came with the files
      }
      store = new FaultyStore(opened);
      ids.set(t.ids());
      clock = new SnapshotManagerTest.TickingClock(t.clock());
      manager = manager();
      diskImages.putAll(t.diskImages());
      points().forEach(p -> p.share(sequence));
    }

    /** Builds the world from nothing, at {@code dir}. */
    private World(Path dir, boolean withInPlaceSnapshot) {
      this.dir = dir;
      sim = SimulatedHypervisor.open(dir.resolve("host"), QemuImg.system());
      host = new FaultyHypervisor(sim);
      store = new FaultyStore(StoreUnderTest.open(dir.resolve("snapshots")));
      clock = new SnapshotManagerTest.TickingClock(Instant.parse("2026-01-01T00:00:00Z"));
      manager = manager();
      sim.createDomain(new SimDomainSpec("vm", Optional.of(WORLD_UUID), 16 * 1024, 1,
          List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20), new SimDiskSpec("xvdb", DiskFormat.QCOW2, 1 << 20)),
          false));
      write(1);
      create("a", DiskSnapshotMode.INTERNAL, DiskSnapshotMode.EXTERNAL);
      write(2);
      create("b", DiskSnapshotMode.INTERNAL, DiskSnapshotMode.INTERNAL);
      write(3);
      create("c", DiskSnapshotMode.EXTERNAL, DiskSnapshotMode.EXTERNAL);
      write(4);
      create("d", DiskSnapshotMode.EXTERNAL, DiskSnapshotMode.EXTERNAL);
      write(5);
      if (withInPlaceSnapshot) {
        create("e", DiskSnapshotMode.INTERNAL, DiskSnapshotMode.INTERNAL);
        write(6);
        // memory only: e's images stay unfrozen (so a revert to e is in place) and e is not current
        manager.create(vm, CreateSpec.builder().name("f").disks(List.of(DiskSpec.none("xvda"), DiskSpec.none("xvdb")))
            .build());
        write(7);
      }
      sim.disks(ref()).forEach(d -> diskImages.put(d.target(), d.image().orElseThrow()));
    }

    private SnapshotManager manager() {
      return SnapshotManager.builder(host, store).diskImages(images).clock(clock)
          .ids(() -> "id" + ids.incrementAndGet()).build();
    }

    void create(String name, DiskSnapshotMode xvda, DiskSnapshotMode xvdb) {
      manager.create(vm, CreateSpec.builder().name(name).disks(List.of(spec("xvda", xvda), spec("xvdb", xvdb))).build());
    }

    private DiskSpec spec(String target, DiskSnapshotMode mode) {
      return mode == DiskSnapshotMode.INTERNAL ? DiskSpec.internal(target) : DiskSpec.external(target);
    }

    DomainRef ref() {
      return sim.find(vm).orElseThrow().ref();
    }

    /** Where failures are injected, in the order their calls are numbered. */
    List<InjectionPoint> points() {
      return List.of(host.point, images.point, store.point);
    }

    /** Counts from zero, failing nothing. */
    void disarm() {
      points().forEach(p -> p.failAt(0));
    }

    /**
     * Arms the n-th call over all points (numbered hypervisor calls first, then disk image calls,
     * then metadata saves) to fail or, with {@code crash}, to stop for good.
     *
     * @return where, for messages
     */
    String arm(int n, List<Integer> counts, boolean crash) {
      String[] names = {"hypervisor call ", "disk image call ", "metadata save "};
      int k = n;
      for (int i = 0; i < counts.size(); i++) {
        if (k <= counts.get(i)) {
          if (crash) {
            points().get(i).crashAt(k);
          } else {
            points().get(i).failAt(k);
          }
          return names[i] + k;
        }
        k -= counts.get(i);
      }
      throw new IllegalArgumentException("call " + n + " is beyond " + counts);
    }

    void write(long v) {
      byte[] b = ByteBuffer.allocate(8).putLong(v).array();
      sim.writeMemory(ref(), 8, b);
      for (String d : DISKS) {
        sim.writeDisk(ref(), d, 65536 + 8, b);
      }
    }

    /** Everything a failed operation must leave as it was; the domain's state is {@code gone} if it is. */
    State state() {
      Optional<DomainRef> found = sim.find(vm).map(DomainInfo::ref);
      Map<String, List<String>> files = new TreeMap<>();
      try (Stream<Path> s = Files.walk(dir)) {
        for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
          String name = dir.relativize(p).toString();
          files.put(name, name.endsWith(".qcow2") ? images.info(p).internalSnapshots() : List.of());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      StringBuilder guest = new StringBuilder();
      if (found.isEmpty()) {
        guest.append('-');
        for (String d : DISKS) {
          byte[] b = QemuImg.system().read(diskImages.get(d), DiskFormat.QCOW2, 65536 + 8, 8);
          guest.append(',').append(ByteBuffer.wrap(b).getLong());
        }
        return new State("gone", guest.toString(), files, store.load(WORLD_UUID));
      }
      DomainRef r = found.get();
      guest.append(ByteBuffer.wrap(sim.readMemory(r, 8, 8)).getLong());
      for (String d : DISKS) {
        guest.append(',').append(ByteBuffer.wrap(sim.readDisk(r, d, 65536 + 8, 8)).getLong());
      }
      return new State(sim.info(r).state().word(), guest.toString(), files, store.load(r.uuid()));
    }

    /**
     * The surviving external snapshots whose frozen image's stamp is not the one recorded: a revert to
     * them would be refused as risky although xlsnap itself rewrote the file (soak bug B5).
     */
    List<String> staleStamps() {
      List<String> stale = new java.util.ArrayList<>();
      for (Snapshot snap : store.load(WORLD_UUID).snapshots()) {
        for (DiskSnapshot d : snap.disks()) {
          if (d.mode() == DiskSnapshotMode.EXTERNAL && d.imageStamp().isPresent()
              && Files.exists(d.image().orElseThrow()) && !d.imageStamp().equals(FileStamp.of(d.image().orElseThrow()))) {
            stale.add(snap.name() + ":" + d.target());
          }
        }
      }
      return stale;
    }

    @Override
    public void close() {
      sim.close();
    }
  }

  record State(String domainState, String guest, Map<String, List<String>> files, DomainMetadata metadata) {
    /**
     * This state as it must be after a revert of this crashed domain destroyed it and could not go on:
     * the domain gone with its state files, its disks reading as they did, all else alike.
     */
    State gone() {
      Map<String, List<String>> left = new TreeMap<>(files);
      left.keySet().removeIf(f -> f.endsWith("domain.properties") || f.endsWith("memory.bin"));
      return new State("gone", "-" + guest.substring(guest.indexOf(',')), left, metadata);
    }

    /** The tree's shape and the current snapshot, without times and stamps that differ between runs. */
    String tree() {
      StringBuilder b = new StringBuilder();
      SnapshotTree t = metadata.tree();
      t.topologicalOrder().forEach(n -> b.append(n).append('<').append(t.parent(n).orElse("")).append(' '));
      return b.append("current=").append(t.current().orElse("")).toString();
    }
  }

  /**
   * An operation to test.
   *
   * @param crashed whether the guest crashes (preserved) before the operation
   * @param gone whether the domain is gone from the host (crashed, then destroyed) before the operation
   */
  record Scenario(String name, boolean inPlace, boolean isDelete, boolean crashed, boolean gone,
      Consumer<World> operation) {
    Scenario(String name, boolean inPlace, boolean isDelete, Consumer<World> operation) {
      this(name, inPlace, isDelete, false, false, operation);
    }

    Scenario(String name, boolean inPlace, boolean isDelete, boolean crashed, Consumer<World> operation) {
      this(name, inPlace, isDelete, crashed, false, operation);
    }
  }

  /**
   * What a run of the scenario without failures does: the calls per point, and the state before and
   * after (every run of the scenario starts from a copy of the same world, so from the same state).
   */
  record CleanRun(List<Integer> counts, State before, State after) {
    int total() {
      return counts.stream().mapToInt(Integer::intValue).sum();
    }
  }

  private CleanRun cleanRun(Scenario s, boolean hostImagesFail) {
    try (World w = new World(s, hostImagesFail)) {
      State before = w.state();
      w.disarm();
      s.operation().accept(w);
      CleanRun run = new CleanRun(w.points().stream().map(InjectionPoint::calls).toList(), before, w.state());
      assertThat(run.counts().get(2)).as("metadata saves by %s", s.name()).isPositive();
      return run;
    }
  }

  static List<Scenario> scenarios() {
    return List.of(
        new Scenario("create with default disks", false, false,
            w -> w.manager.create(w.vm, CreateSpec.builder().name("new").build())),
        new Scenario("create external, live", false, false, w -> w.manager.create(w.vm, CreateSpec.builder()
            .name("new").live(true).disks(List.of(DiskSpec.external("xvda"), DiskSpec.external("xvdb"))).build())),
        new Scenario("create without memory", false, false,
            w -> w.manager.create(w.vm, CreateSpec.builder().name("new").memory(false).build())),
        new Scenario("delete merge with overlay merging", false, true,
            w -> w.manager.delete(w.vm, "d", DeleteMode.MERGE)),
        new Scenario("delete children", false, true, w -> w.manager.delete(w.vm, "b", DeleteMode.CHILDREN)),
        new Scenario("revert to a (extract and new overlay)", false, false,
            w -> w.manager.revert(w.vm, "a", RevertOptions.DEFAULTS)),
        new Scenario("revert to d paused (new overlays)", false, false,
            w -> w.manager.revert(w.vm, "d", new RevertOptions(RevertTarget.PAUSED, false))),
        new Scenario("revert to e in place", true, false, w -> w.manager.revert(w.vm, "e", RevertOptions.DEFAULTS)),
        new Scenario("revert of a crashed domain to a (extract and new overlay)", false, false, true,
            w -> w.manager.revert(w.vm, "a", RevertOptions.DEFAULTS)),
        new Scenario("revert of a crashed domain to e in place, paused", true, false, true,
            w -> w.manager.revert(w.vm, "e", new RevertOptions(RevertTarget.PAUSED, false))),
        new Scenario("revert of a domain no longer on the host to a, by UUID", false, false, false, true,
            w -> w.manager.revert(DomainSelector.byUuid(WORLD_UUID), "a", RevertOptions.DEFAULTS)));
  }

  @TestFactory
  Stream<DynamicTest> everyCrashIsRecoveredByTheNextManager() {
    return scenarios().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> checkCrashes(s)));
  }

  /**
   * Stops the operation for good at each call, as a killed process would, then lets a new manager
   * over the same host and store recover: the domain runs again and everything is as before the
   * operation or as after it.
   */
  private void checkCrashes(Scenario s) throws Exception {
    CleanRun clean = cleanRun(s, false);
    State after = clean.after();
    for (int n = 1; n <= clean.total(); n++) {
      try (World w = new World(s, false)) {
        State before = clean.before();
        String where = s.name() + ", crash at " + w.arm(n, clean.counts(), true);
        Thread op = new Thread(() -> s.operation().accept(w), "crashing operation");
        op.setDaemon(true);
        op.start();
        boolean crashed = Crash.awaitStopped(op);
        op.join(crashed ? 1 : 0);
        assertThat(crashed).as("%s: the operation reached the crash point", where).isTrue();

        UUID uuid = w.sim.find(w.vm).map(d -> d.ref().uuid()).orElse(WORLD_UUID);
        SnapshotManager next = SnapshotManager.builder(w.sim, w.store).diskImages(QemuImg.system()).build();
        w.disarm();
        Optional<Recovery> recovery = next.recover(uuid);
        assertThat(w.store.loadIntent(uuid)).as("%s: intent cleared", where).isEmpty();
        State now = w.state();
        assertThat(now.domainState()).as("%s: domain state after %s", where, recovery)
            .isIn(before.domainState(), after.domainState(), s.crashed() ? "gone" : before.domainState())
            .isNotEqualTo("suspended");
        assertThat(w.staleStamps()).as("%s: frozen images with stale stamps", where).isEmpty();
        boolean asBefore = same(now, before);
        boolean asAfter = same(now, after);
        boolean gone = s.crashed() && same(now, before.gone());
        assertThat(asBefore || asAfter || gone).as("%s: wholly before or wholly after%s; recovery %s%n before %s%n"
            + " after  %s%n now    %s", where, s.crashed() ? " or destroyed with disks as before" : "", recovery,
            before, after, now).isTrue();
      }
    }
  }

  @TestFactory
  Stream<DynamicTest> everyCrashDuringARollbackIsRecoveredByTheNextManager() {
    // a delete rolls back nothing but its record: the rebases before its commit change no contents
    return scenarios().stream().filter(s -> !s.isDelete())
        .filter(s -> s.name().contains(System.getProperty("xlsnap.scenario", ""))).map(s -> DynamicTest.dynamicTest(s.name(), () -> checkCrashesInRollback(s)));
  }

  /**
   * Fails a call of the operation, and stops for good at each call its rollback then makes (a process
   * killed while it undoes a failure): a new manager recovers the domain to wholly before or wholly
   * after the operation, as for a crash in a clean run. The failures chosen are those with the longest
   * rollbacks: the calls whose rollback makes calls, from the first metadata save (the commit) back,
   * {@code -Dxlsnap.rollbackCrashFailures} of them (default 1; 0 for every call).
   */
  private void checkCrashesInRollback(Scenario s) throws Exception {
    CleanRun clean = cleanRun(s, false);
    State after = clean.after();
    int undoCrashes = 0;
    int failures = Integer.getInteger("xlsnap.rollbackCrashFailures", 1);
    int tried = 0;
    int firstSave = clean.counts().get(0) + clean.counts().get(1) + 1; // numbered after all other calls
    for (int n = failures <= 0 ? clean.total() : firstSave; n >= 1 && (failures <= 0 || tried < failures); n--) {
      int failedAt;
      int calls;
      try (World w = new World(s, false)) {
        w.arm(n, clean.counts(), false);
        w.sequence.crashAt(0);
        try {
          s.operation().accept(w);
        } catch (XlsnapException e) {
          // the rollback ran
        }
        failedAt = w.sequence.failedAt();
        calls = w.sequence.calls();
      }
      if (failedAt > 0 && calls > failedAt) {
        tried++;
      }
      for (int m = failedAt + 1; failedAt > 0 && m <= calls; m++) {
        undoCrashes++;
        try (World w = new World(s, false)) {
          State before = clean.before();
          String where = s.name() + ", failure at " + w.arm(n, clean.counts(), false) + ", crash at call " + m
              + " of " + calls + " (the rollback's " + (m - failedAt) + ")";
          w.sequence.crashAt(m);
          Thread op = new Thread(() -> {
            try {
              s.operation().accept(w);
            } catch (XlsnapException e) {
              // reached only if the crash point was not
            }
          }, "crashing rollback");
          op.setDaemon(true);
          op.start();
          boolean crashed = Crash.awaitStopped(op);
          assertThat(crashed).as("%s: the rollback reached the crash point", where).isTrue();
          w.sequence.crashAt(0);
          w.disarm();
          UUID uuid = w.sim.find(w.vm).map(d -> d.ref().uuid()).orElse(WORLD_UUID);
          Optional<Recovery> recovery = SnapshotManager.builder(w.sim, w.store).diskImages(QemuImg.system()).build()
              .recover(uuid);
          assertThat(w.store.loadIntent(uuid)).as("%s: intent cleared", where).isEmpty();
          State now = w.state();
          assertThat(now.domainState()).as("%s: domain state after %s", where, recovery).isNotEqualTo("suspended");
          assertThat(w.staleStamps()).as("%s: frozen images with stale stamps", where).isEmpty();
          boolean gone = s.crashed() && same(now, before.gone());
          assertThat(same(now, before) || same(now, after) || gone).as("%s: wholly before or wholly after; "
              + "recovery %s%n before %s%n after  %s%n now    %s", where, recovery, before, after, now).isTrue();
        }
      }
    }
    assertThat(undoCrashes).as("crash points inside rollbacks of %s", s.name()).isPositive();
  }

  private static boolean same(State a, State b) {
    return a.tree().equals(b.tree()) && a.files().equals(b.files()) && a.guest().equals(b.guest())
        && a.domainState().equals(b.domainState());
  }

  @TestFactory
  @Tag("injected-failures") // run on the in-memory store only: see snapshot-store's pom
  Stream<DynamicTest> everyInjectedFailureIsRolledBack() {
    return scenarios().stream().map(s -> DynamicTest.dynamicTest(s.name(), () -> check(s)));
  }

  private void check(Scenario s) {
    CleanRun clean = cleanRun(s, true);
    State after = clean.after();
    int failures = 0;
    int destroyed = 0;
    for (int n = 1; n <= clean.total(); n++) {
      try (World w = new World(s, true)) {
        State before = clean.before();
        String where = s.name() + ", failure at " + w.arm(n, clean.counts(), false);
        boolean failed = false;
        String message = "";
        try {
          s.operation().accept(w);
        } catch (XlsnapException e) {
          failed = true;
          failures++;
          message = e.getMessage();
        }
        w.disarm();
        State now = w.state();
        assertThat(w.staleStamps()).as("%s: frozen images with stale stamps", where).isEmpty();
        if (failed && now.domainState().equals("gone") && s.crashed()) {
          // the crashed instance was destroyed: not brought back, all else as it was
          destroyed++;
          State gone = before.gone();
          assertThat(message).as("%s: message", where).contains("was destroyed and is not brought back")
              .contains("Its disks are untouched");
          assertThat(now.guest()).as("%s: disk contents", where).isEqualTo(gone.guest());
          assertThat(now.files()).as("%s: files", where).isEqualTo(gone.files());
          assertThat(now.metadata()).as("%s: metadata", where).isEqualTo(before.metadata());
          assertThat(w.store.loadIntent(WORLD_UUID)).as("%s: intent cleared", where).isEmpty();
        } else if (failed) {
          // wholly before: domain, guest, files and metadata as they were
          assertThat(now.domainState()).as("%s: domain state", where).isEqualTo(before.domainState());
          assertThat(now.guest()).as("%s: guest contents", where).isEqualTo(before.guest());
          assertThat(now.files()).as("%s: files", where).isEqualTo(before.files());
          assertThat(now.metadata()).as("%s: metadata", where).isEqualTo(before.metadata());
        } else {
          // the failure hit best-effort cleanup after the operation took effect: wholly after, at most
          // with garbage left behind (reported as leftovers)
          assertThat(now.domainState()).as("%s: domain state", where).isEqualTo(after.domainState());
          assertThat(now.guest()).as("%s: guest contents", where).isEqualTo(after.guest());
          assertThat(now.tree()).as("%s: metadata", where).isEqualTo(after.tree());
          assertThat(now.files().keySet()).as("%s: files", where).containsAll(after.files().keySet());
        }
      }
    }
    assertThat(failures).as("injected failures that failed %s", s.name()).isPositive();
    if (s.crashed()) {
      assertThat(destroyed).as("failures of %s after the crashed instance was destroyed", s.name()).isPositive();
    }
  }
}
