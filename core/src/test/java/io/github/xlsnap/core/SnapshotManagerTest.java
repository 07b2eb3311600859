package io.github.xlsnap.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotManagerTest {
  @TempDir Path dir;
  SimulatedHypervisor host;
  DiskImages images = QemuImg.system();
  InMemorySnapshotStore store;
  SnapshotManager manager;
  DomainSelector vm = DomainSelector.byName("vm1");
  Instant now = Instant.parse("2026-11-25T10:00:00Z");

  @BeforeEach
  void setUp() {
    host = SimulatedHypervisor.open(dir.resolve("host"), images);
    host.createDomain(new SimDomainSpec("vm1", Optional.empty(), 64 * 1024, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20), new SimDiskSpec("xvdb", DiskFormat.RAW, 1 << 20)),
        false));
    store = new InMemorySnapshotStore(dir.resolve("snapshots"));
    manager = SnapshotManager.builder(host, store).diskImages(images)
        .clock(new TickingClock(now)).build();
  }

  /** A clock that moves one second each time it is read. */
  static final class TickingClock extends Clock {
    private Instant next;

    TickingClock(Instant start) {
      next = start;
    }

    @Override
    public synchronized Instant instant() {
      Instant t = next;
      next = next.plusSeconds(1);
      return t;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  DomainRef ref() {
    return host.find(vm).orElseThrow().ref();
  }

  void guestWrites(String text) {
    byte[] b = Arrays.copyOf(text.getBytes(UTF_8), 16);
    host.writeMemory(ref(), 0, b);
    host.writeDisk(ref(), "xvda", 0, b);
    host.writeDisk(ref(), "xvdb", 4096, b);
  }

  String memory() {
    return new String(host.readMemory(ref(), 0, 16), UTF_8).replace("\0", "");
  }

  String disk(String target) {
    long off = target.equals("xvdb") ? 4096 : 0;
    return new String(host.readDisk(ref(), target, off, 16), UTF_8).replace("\0", "");
  }

  @Test
  void createTakesMemoryAndDefaultDisksAndBecomesCurrent() throws Exception {
    guestWrites("one");
    Snapshot s = manager.create(vm, CreateSpec.DEFAULTS);

    assertThat(s.name()).isEqualTo("20261125T100000Z");
    assertThat(s.createTime()).isEqualTo(now);
    assertThat(s.parent()).isEmpty();
    assertThat(s.domainState().paused()).isFalse();
    assertThat(s.memoryImage()).hasValueSatisfying(m -> {
      assertThat(m).startsWith(store.dataDirectory(ref().uuid()));
      assertThat(m).isRegularFile();
    });
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.memoryImage().get())))
        .isEqualTo("rw-------");
    DiskSnapshot xvda = s.disk("xvda").orElseThrow();
    assertThat(xvda.mode()).isEqualTo(DiskSnapshotMode.INTERNAL);
    assertThat(images.info(xvda.image().orElseThrow()).internalSnapshots()).contains(xvda.tag().orElseThrow());
    DiskSnapshot xvdb = s.disk("xvdb").orElseThrow();
    assertThat(xvdb.mode()).isEqualTo(DiskSnapshotMode.EXTERNAL); // raw disks default to an overlay
    assertThat(host.disks(ref())).filteredOn(d -> d.target().equals("xvdb"))
        .extracting(DomainDisk::image).containsExactly(xvdb.overlay());
    assertThat(host.info(ref()).state().running()).isTrue();
    assertThat(manager.current(vm)).contains(s);

    Snapshot t = manager.create(vm, CreateSpec.builder().name("two").build());
    assertThat(t.parent()).contains(s.name());
    assertThat(manager.info(vm, s.name()).children()).containsExactly("two");
    assertThat(manager.current(vm).map(Snapshot::name)).contains("two");
  }

  @Test
  void progressListenerHearsTheMemoryImageGrowUntilDone() throws Exception {
    List<ProgressEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    manager = SnapshotManager.builder(host, store).diskImages(images).progressListener(events::add).build();
    Snapshot s = manager.create(vm, CreateSpec.builder().name("p").build());
    assertThat(events).isNotEmpty().allSatisfy(e -> {
      assertThat(e.domain()).isEqualTo("vm1");
      assertThat(e.step()).isEqualTo(ProgressEvent.Step.SAVING_MEMORY);
      assertThat(e.total()).isEqualTo(host.find(vm).orElseThrow().memoryKib() * 1024);
    });
    assertThat(events).extracting(ProgressEvent::finished).endsWith(true).containsOnlyOnce(true);
    assertThat(events.get(events.size() - 1).done()).isEqualTo(Files.size(s.memoryImage().orElseThrow())).isPositive();
    assertThat(events).extracting(ProgressEvent::done).isSorted();
    assertThat(events.get(events.size() - 1).rounds()).hasValue(1);
    assertThat(events.subList(0, events.size() - 1)).allSatisfy(e -> assertThat(e.rounds()).isEmpty());

    events.clear();
    host.writeMemory(host.find(vm).orElseThrow().ref(), 0, new byte[] {1}); // the guest keeps running
    manager.create(vm, CreateSpec.builder().name("live").live(true).build());
    assertThat(events.get(events.size() - 1).rounds().orElseThrow()).isGreaterThanOrEqualTo(1);
  }

  @Test
  void progressListenerHearsARevertRestoreAndCopyAndADeleteMergeEachEndOnce() throws Exception {
    manager.create(vm, CreateSpec.builder().name("a").disks(List.of(DiskSpec.internal("xvda"))).build());
    for (String n : List.of("s1", "s2", "s3")) {
      manager.create(vm, CreateSpec.builder().name(n).disks(List.of(DiskSpec.external("xvda"))).build());
    }
    List<ProgressEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    manager = SnapshotManager.builder(host, store).diskImages(images).progressListener(events::add).build();

    manager.revert(vm, "a", RevertOptions.DEFAULTS); // a's image is frozen by s1: its state is copied out
    // off the running branch now: s2's image is merged away, s3's frozen image rebased onto s1's
    manager.delete(vm, "s2", DeleteMode.MERGE);

    java.util.Map<ProgressEvent.Step, List<ProgressEvent>> byStep = new java.util.EnumMap<>(ProgressEvent.Step.class);
    events.forEach(e -> byStep.computeIfAbsent(e.step(), k -> new java.util.ArrayList<>()).add(e));
    assertThat(byStep).containsOnlyKeys(ProgressEvent.Step.values());
    byStep.forEach((step, list) -> {
      assertThat(list.get(list.size() - 1).finished()).as("%s ends with its last report", step).isTrue();
      ProgressEvent last = list.get(list.size() - 1);
      assertThat(last.total()).as("%s: its total", step).isPositive();
      assertThat(last.fraction().getAsDouble()).as("%s: the share done at the end", step).isGreaterThan(0.99);
    });
    assertThat(byStep.get(ProgressEvent.Step.MERGING_DISK)).extracting(ProgressEvent::finished).containsOnlyOnce(true);
  }

  @Test
  void restoreProgressIsWhatTheHypervisorSaysItHasReadAndTheWholeImageOnceRestored() throws Exception {
    Snapshot s = manager.create(vm, CreateSpec.builder().name("p").build());
    long size = Files.size(s.memoryImage().orElseThrow());
    long said = size / 3;
    java.util.concurrent.CountDownLatch heard = new java.util.concurrent.CountDownLatch(1);
    List<ProgressEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Path> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
    // a backend whose restore goes on only once a report has carried what it says it has read: the
    // reports must come from restoreProgress, asked while the restore runs (nothing else opens the image)
    io.github.xlsnap.core.testing.ForwardingHypervisor telling = new io.github.xlsnap.core.testing.ForwardingHypervisor(host) {
      @Override
      public DomainRef restore(io.github.xlsnap.core.spi.RestoreRequest request) {
        try {
          assertThat(heard.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("a report of the position").isTrue();
        } catch (InterruptedException e) {
          throw new AssertionError(e);
        }
        return super.restore(request);
      }

      @Override
      public java.util.OptionalLong restoreProgress(Path memoryImage) {
        asked.add(memoryImage);
        return java.util.OptionalLong.of(said);
      }
    };
    manager = SnapshotManager.builder(telling, store).diskImages(images).progressListener(e -> {
      events.add(e);
      if (e.step() == ProgressEvent.Step.RESTORING_MEMORY && e.done() == said && !e.finished()) {
        heard.countDown();
      }
    }).build();

    manager.revert(vm, "p", RevertOptions.DEFAULTS);

    assertThat(asked).isNotEmpty().containsOnly(s.memoryImage().orElseThrow());
    List<ProgressEvent> restoring = events.stream().filter(e -> e.step() == ProgressEvent.Step.RESTORING_MEMORY).toList();
    assertThat(restoring).allSatisfy(e -> assertThat(e.total()).isEqualTo(size));
    assertThat(restoring.get(restoring.size() - 1)).satisfies(e -> {
      assertThat(e.finished()).isTrue();
      assertThat(e.done()).as("a restore that succeeded read its image").isEqualTo(size);
    });
  }

  @Test
  void defaultNamesStayUniqueWithinOneSecond() {
    manager = SnapshotManager.builder(host, store).diskImages(images).clock(Clock.fixed(now, ZoneOffset.UTC)).build();
    Snapshot a = manager.create(vm, CreateSpec.DEFAULTS);
    Snapshot b = manager.create(vm, CreateSpec.DEFAULTS);
    assertThat(b.name()).isEqualTo(a.name() + "-2");
  }

  @Test
  void pausedDomainStaysPausedAndRevertsPaused() {
    guestWrites("paused");
    host.pause(ref());
    Snapshot s = manager.create(vm, CreateSpec.builder().name("p").build());
    assertThat(s.domainState().paused()).isTrue();
    assertThat(host.info(ref()).state().paused()).isTrue();

    host.unpause(ref());
    guestWrites("later");
    manager.revert(vm, "p", RevertOptions.DEFAULTS);
    assertThat(host.info(ref()).state().paused()).isTrue();
    assertThat(memory()).isEqualTo("paused");
    manager.revert(vm, "p", new RevertOptions(RevertTarget.RUNNING, false));
    assertThat(host.info(ref()).state().paused()).isFalse();
  }

  @Test
  void revertRestoresMemoryAndEveryDiskAndHonoursTheTarget() {
    guestWrites("one");
    manager.create(vm, CreateSpec.builder().name("one").build());
    guestWrites("two");
    manager.create(vm, CreateSpec.builder().name("two").live(true).build());
    guestWrites("three");

    DomainRef before = ref();
    DomainRef after = manager.revert(vm, "one", RevertOptions.DEFAULTS);
    assertThat(after.uuid()).isEqualTo(before.uuid());
    assertThat(after.domid()).isNotEqualTo(before.domid());
    assertThat(memory()).isEqualTo("one");
    assertThat(disk("xvda")).isEqualTo("one");
    assertThat(disk("xvdb")).isEqualTo("one");
    assertThat(host.info(ref()).state().running()).isTrue();
    assertThat(manager.current(vm).map(Snapshot::name)).contains("one");

    manager.revert(vm, "two", new RevertOptions(RevertTarget.PAUSED, false));
    assertThat(memory()).isEqualTo("two");
    assertThat(disk("xvda")).isEqualTo("two");
    assertThat(disk("xvdb")).isEqualTo("two");
    assertThat(host.info(ref()).state().paused()).isTrue();
  }

  @Test
  void revertsACrashedDomainToARunningSnapshotAndAPoweredOffOneToAPausedSnapshot() {
    guestWrites("one");
    manager.create(vm, CreateSpec.builder().name("one").build()); // xvda internal (applied in place), xvdb overlay
    guestWrites("two");
    host.pause(ref());
    manager.create(vm, CreateSpec.builder().name("two").build());
    host.unpause(ref());
    guestWrites("crash-time");
    DomainRef crashed = ref();
    host.crash(crashed);
    assertThat(host.info(crashed).state().word()).isEqualTo("crashed");

    DomainRef back = manager.revert(vm, "one", RevertOptions.DEFAULTS);
    assertThat(back.uuid()).isEqualTo(crashed.uuid());
    assertThat(back.domid()).isNotEqualTo(crashed.domid());
    assertThat(host.info(back).state()).isEqualTo(DomainState.RUNNING);
    assertThat(memory()).isEqualTo("one");
    assertThat(disk("xvda")).isEqualTo("one");
    assertThat(disk("xvdb")).isEqualTo("one");
    assertThat(manager.current(vm).map(Snapshot::name)).contains("one");
    assertNoRollbackLeftovers();

    guestWrites("powered-off");
    host.powerOff(ref());
    assertThat(host.info(ref()).state().word()).isEqualTo("shutdown");
    manager.revert(vm, "two", RevertOptions.DEFAULTS);
    assertThat(host.info(ref()).state()).isEqualTo(DomainState.PAUSED);
    assertThat(memory()).isEqualTo("two");
    assertThat(disk("xvda")).isEqualTo("two");
    assertThat(disk("xvdb")).isEqualTo("two");
    assertThat(manager.current(vm).map(Snapshot::name)).contains("two");
    assertNoRollbackLeftovers();
    assertThat(store.loadIntent(ref().uuid())).isEmpty();
  }

  /** No rollback memory image in the data directory, no rollback internal snapshot in any disk image. */
  private void assertNoRollbackLeftovers() {
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(f.getFileName().toString()).doesNotStartWith(".rollback-");
        if (f.toString().endsWith(".qcow2")) {
          assertThat(images.info(f).internalSnapshots()).noneMatch(t -> t.contains("rollback"));
        }
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Every file under the test directory, a qcow2 image with its internal snapshots. */
  private java.util.Map<String, List<String>> files() {
    java.util.Map<String, List<String>> out = new java.util.TreeMap<>();
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        out.put(dir.relativize(f).toString(), f.toString().endsWith(".qcow2") ? images.info(f).internalSnapshots()
            : List.of());
      }
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  @Test
  void aRevertOfACrashedDomainThatFailsAfterTheDestroyRemovesWhatItMadeAndLeavesTheDisksAsTheyWere() {
    guestWrites("one");
    manager.create(vm, CreateSpec.builder().name("one").build());
    guestWrites("crash-time");
    DomainRef crashed = ref();
    List<DomainDisk> disks = host.disks(crashed);
    host.crash(crashed);
    var metadata = store.load(crashed.uuid());
    var before = files();
    host.injectFault(io.github.xlsnap.core.sim.SimFault.RESTORE);

    assertThatThrownBy(() -> manager.revert(vm, "one", RevertOptions.DEFAULTS))
        .isInstanceOfSatisfying(InstanceLostException.class, e -> {
          assertThat(e.domain()).isEqualTo(crashed.name());
          assertThat(e.snapshot()).isEqualTo("one");
          assertThat(e.disksPutBack()).isTrue();
        })
        .hasMessageContaining("crashed instance (domid " + crashed.domid() + ") was destroyed and is not brought back")
        .hasMessageContaining("Its disks are untouched")
        .hasRootCauseInstanceOf(HypervisorException.class);

    assertThat(host.find(vm)).as("no restored instance").isEmpty();
    var gone = new java.util.TreeMap<>(before);
    gone.keySet().removeIf(f -> f.endsWith("domain.properties") || f.endsWith("memory.bin"));
    assertThat(files()).as("no new images, no rollback snapshots, only the dead instance's state gone")
        .isEqualTo(gone);
    for (DomainDisk d : disks) {
      long off = d.target().equals("xvdb") ? 4096 : 0;
      assertThat(new String(images.read(d.image().orElseThrow(), d.format(), off, 16), UTF_8).replace("\0", ""))
          .as("disk %s as it was", d.target()).isEqualTo("crash-time");
    }
    assertThat(store.load(crashed.uuid())).isEqualTo(metadata);
    assertThat(store.loadIntent(crashed.uuid())).isEmpty();
    assertThatThrownBy(() -> manager.revert(vm, "one", RevertOptions.DEFAULTS))
        .isInstanceOf(DomainNotFoundException.class);
  }

  @Test
  void aDomainAFailedRevertDestroyedIsRevertedByUuidFromTheSnapshotsConfiguration() {
    guestWrites("one");
    manager.create(vm, CreateSpec.builder().name("one").build());
    guestWrites("two");
    manager.create(vm, CreateSpec.builder().name("two").build());
    DomainRef crashed = ref();
    host.crash(crashed);
    host.injectFault(io.github.xlsnap.core.sim.SimFault.RESTORE);
    assertThatThrownBy(() -> manager.revert(vm, "one", RevertOptions.DEFAULTS))
        .isInstanceOf(InstanceLostException.class);
    var before = files();
    DomainSelector byUuid = DomainSelector.byUuid(crashed.uuid());

    // a restore that fails again leaves every image as it was, and no record behind
    host.injectFault(io.github.xlsnap.core.sim.SimFault.RESTORE);
    assertThatThrownBy(() -> manager.revert(byUuid, "one", RevertOptions.DEFAULTS))
        .isInstanceOf(HypervisorException.class);
    assertThat(files()).isEqualTo(before);
    assertThat(store.loadIntent(crashed.uuid())).isEmpty();

    DomainRef back = manager.revert(byUuid, "one", RevertOptions.DEFAULTS);

    assertThat(back.uuid()).isEqualTo(crashed.uuid());
    assertThat(back.name()).isEqualTo(crashed.name());
    assertThat(host.find(vm).orElseThrow().state().running()).isTrue();
    assertThat(memory()).isEqualTo("one");
    assertThat(disk("xvda")).isEqualTo("one");
    assertThat(disk("xvdb")).isEqualTo("one");
    assertThat(manager.current(vm).orElseThrow().name()).isEqualTo("one");
    assertThat(store.loadIntent(crashed.uuid())).isEmpty();
    // nothing of a snapshot changed: "two" still reverts to its own state
    manager.revert(vm, "two", RevertOptions.DEFAULTS);
    assertThat(memory()).isEqualTo("two");
    assertThat(disk("xvda")).isEqualTo("two");
    assertThat(disk("xvdb")).isEqualTo("two");
  }

  @Test
  void aDomainThatNoLongerExistsNeedsForceForASnapshotWithoutMemoryAndIsNotFoundWithoutSnapshots() {
    guestWrites("disk-only");
    manager.create(vm, CreateSpec.builder().name("disk-only").memory(false).build());
    DomainRef ref = ref();
    manager.destroyDomain(vm, SnapshotManager.Guard.OVERRIDE);
    DomainSelector byUuid = DomainSelector.byUuid(ref.uuid());

    assertThatThrownBy(() -> manager.revert(byUuid, "disk-only", RevertOptions.DEFAULTS))
        .isInstanceOfSatisfying(RiskyRevertException.class,
            e -> assertThat(e.reasons()).anyMatch(r -> r.contains("has no memory image")));
    assertThat(host.find(vm)).isEmpty();
    assertThatThrownBy(() -> manager.revert(byUuid, "nope", RevertOptions.DEFAULTS))
        .isInstanceOf(SnapshotNotFoundException.class);
    assertThatThrownBy(() -> manager.revert(DomainSelector.byUuid(UUID.randomUUID()), "disk-only",
        RevertOptions.DEFAULTS)).isInstanceOf(DomainNotFoundException.class);

    DomainRef back = manager.revert(byUuid, "disk-only", RevertOptions.DEFAULTS.forced());
    assertThat(back.uuid()).isEqualTo(ref.uuid());
    assertThat(disk("xvda")).isEqualTo("disk-only");
    assertThat(disk("xvdb")).isEqualTo("disk-only");
  }

  @Test
  void revertStillRefusesDomain0ASuspendedDomainADyingOneAndAMissingOne() throws Exception {
    manager.create(vm, CreateSpec.builder().name("one").build());
    assertThatThrownBy(() -> manager.revert(DomainSelector.byName("Domain-0"), "one", RevertOptions.DEFAULTS))
        .isInstanceOf(DomainStateException.class).hasMessageContaining("Domain-0");
    assertThatThrownBy(() -> manager.revert(DomainSelector.byName("nope"), "one", RevertOptions.DEFAULTS))
        .isInstanceOf(DomainNotFoundException.class);

    Path saved = dir.resolve("saved.memory");
    Files.createFile(saved);
    host.checkpoint(ref(), saved, io.github.xlsnap.core.spi.CheckpointMode.STOPPED);
    int suspendedDomid = ref().domid();
    assertThatThrownBy(() -> manager.revert(vm, "one", RevertOptions.DEFAULTS.forced()))
        .isInstanceOf(DomainStateException.class).hasMessageContaining("suspended");
    assertThat(ref().domid()).isEqualTo(suspendedDomid);
    assertThat(host.info(ref()).state().isSuspended()).isTrue();
    host.resume(ref());

    // Xen reports a domain being destroyed as dying; the simulated host has no such moment
    io.github.xlsnap.core.spi.Hypervisor dying = (io.github.xlsnap.core.spi.Hypervisor) java.lang.reflect.Proxy
        .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {io.github.xlsnap.core.spi.Hypervisor.class},
            (proxy, method, args) -> {
              Object result;
              try {
                result = method.invoke(host, args);
              } catch (java.lang.reflect.InvocationTargetException e) {
                throw e.getCause();
              }
              if (result instanceof Optional<?> o && o.isPresent() && o.get() instanceof DomainInfo i) {
                return Optional.of(new DomainInfo(i.ref(), new DomainState(false, false, false, true,
                    Optional.of(ShutdownReason.CRASH)), i.memoryKib(), i.vcpus(), i.cpuTime()));
              }
              return result;
            });
    SnapshotManager overDying = SnapshotManager.builder(dying, store).diskImages(images).build();
    int domid = ref().domid();
    assertThatThrownBy(() -> overDying.revert(vm, "one", RevertOptions.DEFAULTS.forced()))
        .isInstanceOf(DomainStateException.class).hasMessageContaining("being destroyed");
    assertThat(ref().domid()).isEqualTo(domid);
  }

  @Test
  void branchesAfterARevert() {
    manager.create(vm, CreateSpec.builder().name("a").build());
    manager.create(vm, CreateSpec.builder().name("b").build());
    manager.revert(vm, "a", RevertOptions.DEFAULTS);
    manager.create(vm, CreateSpec.builder().name("c").build());
    SnapshotTree t = manager.tree(vm);
    assertThat(t.children("a")).containsExactly("b", "c");
    assertThat(t.current()).contains("c");
  }

  /** Snapshots a and b, each with both disks in overlays, the guest writing its name before each. */
  void twoExternalSnapshots() {
    CreateSpec external = CreateSpec.builder().disks(List.of(DiskSpec.external("xvda"), DiskSpec.external("xvdb")))
        .build();
    guestWrites("a");
    manager.create(vm, CreateSpec.builder().name("a").build().overriding(external));
    guestWrites("b");
    manager.create(vm, CreateSpec.builder().name("b").build().overriding(external));
  }

  @Test
  void mergeDeleteKeepsEveryChildRevertingToItsOwnState() {
    twoExternalSnapshots();
    guestWrites("c");
    manager.create(vm, CreateSpec.builder().name("c").build());
    guestWrites("now");

    // b froze a's overlay; c's internal snapshot lives in b's overlay, whose backing it reads
    Path frozenByB = manager.info(vm, "b").disk("xvda").orElseThrow().image().orElseThrow();
    DeleteResult r = manager.delete(vm, "b", DeleteMode.MERGE);
    assertThat(r.deleted()).containsExactly("b");
    assertThat(r.leftovers()).isEmpty();
    SnapshotTree t = manager.tree(vm);
    assertThat(t.children("a")).containsExactly("c");
    assertThat(t.parent("c")).contains("a");

    for (String name : List.of("c", "a")) {
      manager.revert(vm, name, RevertOptions.DEFAULTS);
      assertThat(memory()).isEqualTo(name);
      assertThat(disk("xvda")).isEqualTo(name);
      assertThat(disk("xvdb")).isEqualTo(name);
    }
    // not merged away: rebasing the image that holds c's internal snapshot would change c's state
    assertThat(frozenByB).exists();
  }

  @Test
  void mergeDeleteRemovesAnOverlayNoSnapshotAndNoRunningDiskNeeds() {
    twoExternalSnapshots();
    guestWrites("c");
    manager.create(vm, CreateSpec.builder().name("c").disks(List.of(DiskSpec.external("xvda"),
        DiskSpec.external("xvdb"))).build());
    manager.revert(vm, "a", RevertOptions.DEFAULTS); // the disks run on new images over a's
    Path frozenByB = manager.info(vm, "b").disk("xvda").orElseThrow().image().orElseThrow();
    Path frozenByC = manager.info(vm, "c").disk("xvda").orElseThrow().image().orElseThrow();

    DeleteResult r = manager.delete(vm, "b", DeleteMode.MERGE);

    assertThat(r.deferred()).isEmpty();
    assertThat(frozenByB).doesNotExist(); // merged into c's frozen image, which no device model holds, then removed
    assertThat(images.backingChain(frozenByC)).hasSize(2);
    manager.revert(vm, "c", RevertOptions.DEFAULTS);
    assertThat(disk("xvda")).isEqualTo("c");
    assertThat(disk("xvdb")).isEqualTo("c");
  }

  @Test
  void mergeDeleteOfAnOverlayARunningDiskReadsThroughDefersTheMergeUntilARevert() {
    // Before the simulated host held images as QEMU does, this delete rebased the running disk's image
    // with qemu-img, which a real QEMU's image locks refuse (and which would corrupt the running disk).
    twoExternalSnapshots();
    guestWrites("now");
    Path frozenByB = manager.info(vm, "b").disk("xvda").orElseThrow().image().orElseThrow();
    Path rawFrozenByB = manager.info(vm, "b").disk("xvdb").orElseThrow().image().orElseThrow();
    Path active = host.disks(ref()).get(0).image().orElseThrow();

    DeleteResult r = manager.delete(vm, "b", DeleteMode.MERGE);

    assertThat(r.deleted()).containsExactly("b");
    assertThat(r.deferred()).containsExactlyInAnyOrder(DeferredCleanup.merge(frozenByB),
        DeferredCleanup.merge(rawFrozenByB));
    assertThat(r.leftovers()).anyMatch(l -> l.contains(frozenByB.toString()) && l.contains("merge deferred"));
    assertThat(frozenByB).exists();
    assertThat(images.backingChain(active)).hasSize(3).contains(frozenByB);
    assertThat(store.load(ref().uuid()).ownedImages()).contains(frozenByB, rawFrozenByB);
    assertThat(disk("xvda")).isEqualTo("now");
    assertThat(disk("xvdb")).isEqualTo("now");

    manager.revert(vm, "a", RevertOptions.DEFAULTS);

    assertThat(frozenByB).as("no disk runs on it any longer").doesNotExist();
    assertThat(store.load(ref().uuid()).ownedImages()).doesNotContain(frozenByB, rawFrozenByB);
    assertThat(disk("xvda")).isEqualTo("a");
    assertThat(memory()).isEqualTo("a");
  }

  @Test
  void deleteChildrenAndChildrenOnly() {
    manager.create(vm, CreateSpec.builder().name("a").build());
    manager.create(vm, CreateSpec.builder().name("b").build());
    manager.create(vm, CreateSpec.builder().name("c").build());
    manager.revert(vm, "a", RevertOptions.DEFAULTS);
    manager.create(vm, CreateSpec.builder().name("d").build());

    DeleteResult only = manager.delete(vm, "b", DeleteMode.CHILDREN_ONLY);
    assertThat(only.deleted()).containsExactly("c");
    assertThat(manager.tree(vm).topologicalOrder()).containsExactly("a", "b", "d");

    DeleteResult all = manager.delete(vm, "a", DeleteMode.CHILDREN);
    assertThat(all.deleted()).containsExactly("d", "b", "a");
    assertThat(manager.tree(vm).isEmpty()).isTrue();
    assertThat(manager.current(vm)).isEmpty();
    assertThat(store.dataDirectory(ref().uuid())).isEmptyDirectory();
  }

  @Test
  void deletingTheCurrentSnapshotMakesItsParentCurrent() {
    manager.create(vm, CreateSpec.builder().name("a").build());
    manager.create(vm, CreateSpec.builder().name("b").build());
    assertThat(manager.delete(vm, "b", DeleteMode.MERGE).current()).contains("a");
    manager.create(vm, CreateSpec.builder().name("c").build());
    assertThat(manager.delete(vm, "a", DeleteMode.CHILDREN_ONLY).current()).contains("a");
  }

  @Test
  void refusesBadRequestsWithTypedErrors() {
    assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().disks(List.of(DiskSpec.internal("xvdb"))).build()))
        .hasMessageContaining("needs a qcow2 image"); // xvdb is raw until a snapshot puts it on an overlay
    manager.create(vm, CreateSpec.builder().name("a").build());
    assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().name("a").build()))
        .isInstanceOf(SnapshotExistsException.class).hasMessageContaining("'a'");
    assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().name("x/y").build()))
        .isInstanceOfSatisfying(InvalidSnapshotSpecException.class, e -> assertThat(e.field()).isEqualTo("name"));
    assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().disks(List.of(DiskSpec.internal("xvdz"))).build()))
        .isInstanceOfSatisfying(InvalidSnapshotSpecException.class,
            e -> assertThat(e.field()).isEqualTo("disks[xvdz]"))
        .hasMessageContaining("[xvda, xvdb]");
    assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().memoryPath(Path.of("rel.mem")).build()))
        .isInstanceOfSatisfying(InvalidSnapshotSpecException.class, e -> assertThat(e.field()).isEqualTo("memory_path"));
    assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().memory(false).live(true).build()))
        .isInstanceOf(InvalidSnapshotSpecException.class);
    assertThatThrownBy(() -> manager.create(DomainSelector.byName("nope"), CreateSpec.DEFAULTS))
        .isInstanceOf(DomainNotFoundException.class).hasMessageContaining("nope");
    assertThatThrownBy(() -> manager.revert(vm, "zz", RevertOptions.DEFAULTS))
        .isInstanceOf(SnapshotNotFoundException.class).hasMessageContaining("'zz'");
    assertThatThrownBy(() -> manager.delete(vm, "zz", DeleteMode.MERGE)).isInstanceOf(SnapshotNotFoundException.class);
    assertThat(manager.tree(vm).topologicalOrder()).containsExactly("a");
  }

  @Test
  void cfgfileValuesWinOverOptions() {
    CreateSpec options = CreateSpec.builder().name("from-options").live(true).build();
    CreateSpec cfgfile = CreateSpec.builder().name("from-cfgfile").description("cfg").build();
    Snapshot s = manager.create(vm, cfgfile.overriding(options));
    assertThat(s.name()).isEqualTo("from-cfgfile");
    assertThat(s.description()).isEqualTo("cfg");
    assertThat(s.live()).isTrue();
  }

  @Test
  void riskyRevertsNeedForce() {
    guestWrites("disk-only");
    manager.create(vm, CreateSpec.builder().name("nomem").memory(false).build());
    guestWrites("later");
    assertThatThrownBy(() -> manager.revert(vm, "nomem", RevertOptions.DEFAULTS))
        .isInstanceOfSatisfying(RiskyRevertException.class,
            e -> assertThat(e.reasons()).anyMatch(r -> r.contains("no memory image")));
    assertThat(memory()).isEqualTo("later"); // untouched

    manager.revert(vm, "nomem", RevertOptions.DEFAULTS.forced());
    assertThat(disk("xvda")).isEqualTo("disk-only");
    assertThat(memory()).isEmpty(); // booted afresh

    manager.create(vm, CreateSpec.builder().name("partial").disks(List.of(DiskSpec.none("xvdb"))).build());
    assertThatThrownBy(() -> manager.revert(vm, "partial", RevertOptions.DEFAULTS))
        .isInstanceOfSatisfying(RiskyRevertException.class,
            e -> assertThat(e.reasons()).anyMatch(r -> r.contains("xvdb was not captured")));
  }

  @Test
  void anInternalSnapshotInABackingFileIsRecordedAndRemovedOnceNoDeviceModelHoldsIt() {
    guestWrites("a");
    DiskSnapshot inBase = manager.create(vm, CreateSpec.builder().name("a").build()).disk("xvda").orElseThrow();
    Path base = inBase.image().orElseThrow();
    String tag = inBase.tag().orElseThrow();
    manager.create(vm, CreateSpec.builder().name("b").disks(List.of(DiskSpec.external("xvda"))).build());
    UUID uuid = ref().uuid();
    DeferredCleanup waiting = DeferredCleanup.internalSnapshot(base, tag);

    DeleteResult r = manager.delete(vm, "a", DeleteMode.MERGE);

    assertThat(r.deferred()).as("base is xvda's backing file now, which QEMU holds read-only").containsExactly(waiting);
    assertThat(r.leftovers()).anyMatch(l -> l.contains(tag) && l.contains("deferred"));
    assertThat(images.info(base).internalSnapshots()).contains(tag);
    assertThat(store.load(uuid).deferredCleanups()).containsExactly(waiting);
    manager.create(vm, CreateSpec.builder().name("c").build()); // retried first, and still held
    assertThat(manager.retryDeferredCleanups(vm)).containsExactly(waiting);

    host.destroy(ref()); // the device model exits and releases the image
    manager.delete(DomainSelector.byUuid(uuid), "c", DeleteMode.MERGE); // retries before it deletes

    assertThat(images.info(base).internalSnapshots()).doesNotContain(tag);
    assertThat(store.load(uuid).deferredCleanups()).isEmpty();
    assertThat(manager.retryDeferredCleanups(DomainSelector.byUuid(uuid))).isEmpty();
    assertThat(manager.info(DomainSelector.byUuid(uuid), "b").disk("xvda").orElseThrow().imageStamp())
        .as("b's frozen image lost an internal snapshot, not data: its new stamp is recorded")
        .isEqualTo(FileStamp.of(base));
  }

  @Test
  void anInternalSnapshotInARunningDisksOwnImageIsRemovedByItsDeviceModel() {
    List<String> viaDeviceModel = new java.util.ArrayList<>();
    SnapshotManager watched = SnapshotManager.builder(new io.github.xlsnap.core.testing.ForwardingHypervisor(host) {
      @Override
      public void deleteInternalDiskSnapshot(DomainRef domain, String target, String tag) {
        viaDeviceModel.add(target + " " + tag);
        super.deleteInternalDiskSnapshot(domain, target, tag);
      }
    }, store).diskImages(images).build();
    DiskSnapshot xvda = watched.create(vm, CreateSpec.builder().name("a").build()).disk("xvda").orElseThrow();

    DeleteResult r = watched.delete(vm, "a", DeleteMode.MERGE);

    assertThat(r.leftovers()).isEmpty();
    assertThat(r.deferred()).isEmpty();
    assertThat(viaDeviceModel).containsExactly("xvda " + xvda.tag().orElseThrow());
    assertThat(images.info(xvda.image().orElseThrow()).internalSnapshots()).isEmpty();
  }

  @Test
  void changedOrMissingFilesAreDetected() throws Exception {
    Snapshot s = manager.create(vm, CreateSpec.builder().name("a").build());
    Files.write(s.memoryImage().orElseThrow(), new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
    assertThatThrownBy(() -> manager.revert(vm, "a", RevertOptions.DEFAULTS))
        .isInstanceOfSatisfying(RiskyRevertException.class,
            e -> assertThat(e.reasons()).anyMatch(r -> r.contains("changed since")));

    DiskSnapshot xvda = s.disk("xvda").orElseThrow();
    // through the device model: qemu-img cannot change the image of a running disk (QEMU's lock)
    host.deleteInternalDiskSnapshot(ref(), "xvda", xvda.tag().orElseThrow());
    assertThatThrownBy(() -> manager.revert(vm, "a", RevertOptions.DEFAULTS.forced()))
        .isInstanceOf(SnapshotDamagedException.class).hasMessageContaining("no longer holds internal snapshot");
    assertThat(host.info(ref()).state().running()).isTrue();
  }

  @Test
  void guardRefusesDestroyAndShutdownOfADomainWithSnapshots() {
    manager.create(vm, CreateSpec.builder().name("a").build());
    assertThatThrownBy(() -> manager.destroyDomain(vm, SnapshotManager.Guard.ENFORCE))
        .isInstanceOfSatisfying(DomainHasSnapshotsException.class, e -> {
          assertThat(e.snapshots()).containsExactly("a");
          assertThat(e.operation()).isEqualTo(GuardedOperation.DESTROY);
        });
    assertThatThrownBy(() -> manager.shutdownDomain(vm, SnapshotManager.Guard.ENFORCE))
        .isInstanceOf(DomainHasSnapshotsException.class);
    assertThatThrownBy(() -> manager.checkGuard(vm, GuardedOperation.MIGRATE))
        .hasMessageContaining("migrate").hasMessageContaining("[a]");
    assertThat(host.find(vm)).isPresent();

    manager.destroyDomain(vm, SnapshotManager.Guard.OVERRIDE);
    assertThat(host.find(vm)).isEmpty();
  }

  @Test
  void saveWritesTheMemoryImageAndDestroysUnderTheGuardAndAFailedSaveResumesTheDomain() throws Exception {
    manager.create(vm, CreateSpec.builder().name("a").build());
    Path image = dir.resolve("vm1.save");
    assertThatThrownBy(() -> manager.saveDomain(vm, image, SnapshotManager.Guard.ENFORCE))
        .isInstanceOfSatisfying(DomainHasSnapshotsException.class,
            e -> assertThat(e.operation()).isEqualTo(GuardedOperation.SAVE))
        .hasMessageContaining("refusing to save domain vm1");
    assertThat(image).doesNotExist();

    guestWrites("saved");
    host.injectFault(io.github.xlsnap.core.sim.SimFault.DESTROY);
    assertThatThrownBy(() -> manager.saveDomain(vm, image, SnapshotManager.Guard.OVERRIDE))
        .isInstanceOf(HypervisorException.class);
    assertThat(host.info(ref()).state().running()).as("resumed after the failed save").isTrue();
    assertThat(image).doesNotExist();
    assertThat(memory()).isEqualTo("saved");

    manager.saveDomain(vm, image, SnapshotManager.Guard.OVERRIDE);
    assertThat(host.find(vm)).isEmpty();
    assertThat(image).isNotEmptyFile();
    assertThat(Files.getPosixFilePermissions(image)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThatThrownBy(() -> manager.saveDomain(vm, image, SnapshotManager.Guard.OVERRIDE))
        .isInstanceOf(DomainNotFoundException.class);
  }

  @Test
  void deleteWorksByUuidAfterTheDomainIsGone() {
    UUID uuid = ref().uuid();
    Snapshot s = manager.create(vm, CreateSpec.builder().name("a").build());
    manager.destroyDomain(vm, SnapshotManager.Guard.OVERRIDE);
    DomainSelector byUuid = DomainSelector.byUuid(uuid);
    assertThat(manager.list(byUuid, ListQuery.all())).extracting(Snapshot::name).containsExactly("a");
    manager.delete(byUuid, "a", DeleteMode.MERGE);
    assertThat(manager.tree(byUuid).isEmpty()).isTrue();
    assertThat(s.memoryImage().orElseThrow()).doesNotExist();
  }

  @Test
  void listFilters() {
    manager.create(vm, CreateSpec.builder().name("int").disks(List.of(DiskSpec.none("xvdb"))).build());
    manager.create(vm, CreateSpec.builder().name("ext").build()); // xvdb raw: external
    manager.revert(vm, "int", RevertOptions.DEFAULTS.forced());
    manager.create(vm, CreateSpec.builder().name("int2").disks(List.of(DiskSpec.none("xvdb"))).build());

    assertThat(names(ListQuery.all())).containsExactly("int", "ext", "int2");
    assertThat(names(ListQuery.all().withInternal())).containsExactly("int", "int2");
    assertThat(names(ListQuery.all().withExternal())).containsExactly("ext");
    assertThat(names(ListQuery.all().withRoots())).containsExactly("int");
    assertThat(names(ListQuery.all().withLeaves())).containsExactly("ext", "int2");
    assertThat(names(ListQuery.all().withNoLeaves())).containsExactly("int");
    assertThat(names(ListQuery.all().withFrom("int", false))).containsExactly("ext", "int2");
    // one group is a union, as virsh's --internal --external and --leaves --no-leaves; groups intersect
    assertThat(names(ListQuery.all().withInternal().withExternal())).containsExactly("int", "ext", "int2");
    assertThat(names(ListQuery.all().withLeaves().withNoLeaves())).containsExactly("int", "ext", "int2");
    assertThat(names(ListQuery.all().withInternal().withLeaves())).containsExactly("int2");
    assertThatThrownBy(() -> manager.list(vm, ListQuery.all().withFrom("zz", true)))
        .isInstanceOf(SnapshotNotFoundException.class);
  }

  List<String> names(ListQuery q) {
    return manager.list(vm, q).stream().map(Snapshot::name).toList();
  }
}
