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
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.core.testing.ForwardingHypervisor;
import io.github.xlsnap.core.testing.ForwardingSnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager's side of the data-safety findings: what recovery may delete, when a memory image is
 * durable, and how long and how interruptibly an operation waits for a busy domain.
 */
class ManagerDataSafetyTest {
  @TempDir Path dir;
  SimulatedHypervisor sim;
  final DiskImages images = QemuImg.system();
  InMemorySnapshotStore memoryStore;
  final DomainSelector vm = DomainSelector.byName("vm");

  @BeforeEach
  void setUp() {
    sim = SimulatedHypervisor.open(dir.resolve("host"), images);
    sim.createDomain(new SimDomainSpec("vm", Optional.empty(), 16 * 1024, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20)), false));
    memoryStore = new InMemorySnapshotStore(dir.resolve("snapshots"));
  }

  @AfterEach
  void tearDown() {
    sim.close();
  }

  private DomainRef ref() {
    return sim.find(vm).orElseThrow().ref();
  }

  private SnapshotManager.Builder manager(SnapshotStore store) {
    return SnapshotManager.builder(sim, store).diskImages(images)
        .clock(new SnapshotManagerTest.TickingClock(Instant.parse("2026-12-01T00:00:00Z")));
  }

  private void guestWritesDisk(String text) {
    sim.writeDisk(ref(), "xvda", 0, Arrays.copyOf(text.getBytes(UTF_8), 16));
  }

  private String guestReadsDisk() {
    return new String(sim.readDisk(ref(), "xvda", 0, 16), UTF_8).replace("\0", "");
  }

  /** Runs {@code body} on a thread that stops for good at the store's first save, as a killed process. */
  private static void crashAtFirstSave(FaultyStore store, Runnable body) throws InterruptedException {
    store.point.crashAt(1);
    Thread op = new Thread(body, "crashing operation");
    op.setDaemon(true);
    op.start();
    boolean crashed = Crash.awaitStopped(op);
    assertThat(crashed).as("the operation reached the crash point").isTrue();
  }

  @Test
  void recoveryKeepsAnOverlayTheDomainRunsOnAfterAnOperatorUnpausedIt() throws Exception {
    FaultyStore store = new FaultyStore(memoryStore);
    SnapshotManager first = manager(store).build();
    guestWritesDisk("before");
    // a create without memory pauses the domain, then switches xvda to a new overlay; it dies there
    crashAtFirstSave(store, () -> first.create(vm, CreateSpec.builder().name("s").memory(false)
        .disks(List.of(DiskSpec.external("xvda"))).build()));
    Path overlay = sim.disks(ref()).get(0).image().orElseThrow();
    assertThat(overlay.getFileName().toString()).contains("xlsnap-");
    // an operator sees the paused guest and sets it going: it writes to the overlay
    sim.unpause(ref());
    guestWritesDisk("after the crash");

    store.point.failAt(0);
    Optional<Recovery> recovery = manager(store).build().recover(ref().uuid());

    assertThat(recovery).hasValueSatisfying(r -> {
      assertThat(r.completed()).isFalse();
      assertThat(r.actions()).anySatisfy(a -> assertThat(a).contains("kept " + overlay));
    });
    assertThat(overlay).exists();
    assertThat(guestReadsDisk()).isEqualTo("after the crash");
    assertThat(sim.info(ref()).state().paused()).isFalse();
    assertThat(store.load(ref().uuid()).snapshots()).isEmpty();
  }

  /**
   * Found by snapshot-store's {@code ProcessesTest} (a manager killed with SIGKILL at random points): a revert
   * killed after its commit and before it removed the image it replaced (the overlay the domain ran on) left
   * that image behind for good, as its commit had already dropped it from the domain's owned images and
   * recovery found nothing owning it.
   */
  @Test
  void aRevertKilledAfterItsCommitLeavesTheImageItReplacedToItsRecovery() throws Exception {
    SnapshotManager setUp = manager(memoryStore).build();
    setUp.create(vm, CreateSpec.builder().name("e").memory(false).disks(List.of(DiskSpec.external("xvda"))).build());
    Path replaced = sim.disks(ref()).get(0).image().orElseThrow();
    guestWritesDisk("since e");
    AtomicBoolean committed = new AtomicBoolean();
    SnapshotStore store = new ForwardingSnapshotStore(memoryStore) {
      @Override
      public void save(DomainMetadata metadata) {
        super.save(metadata);
        committed.set(true); // the revert's first save is its commit
      }

      @Override
      public Lease lockDomain(UUID domain, Duration timeout) {
        return Lease.NONE; // the killed revert's thread stays stopped: a killed process's lock would be freed
      }
    };
    // killed at the first thing the revert does after its commit: asking for the new instance's disks
    Hypervisor dying = new ForwardingHypervisor(sim) {
      @Override
      public List<DomainDisk> disks(DomainRef domain) {
        Crash.stopHereIf(committed.get());
        return super.disks(domain);
      }
    };
    SnapshotManager first = SnapshotManager.builder(dying, store).diskImages(images)
        .clock(new SnapshotManagerTest.TickingClock(Instant.parse("2026-12-01T01:00:00Z"))).build();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread op = new Thread(() -> {
      try {
        first.revert(vm, "e", RevertOptions.DEFAULTS.forced());
      } catch (RuntimeException | Error e) {
        failed.set(e);
      }
    }, "reverting, then killed");
    op.setDaemon(true);
    op.start();
    assertThat(Crash.awaitStopped(op)).as("the revert reached its commit (else it failed: %s)", failed.get()).isTrue();
    assertThat(replaced).as("the replaced overlay, before the recovery").exists();

    Optional<Recovery> recovery = manager(memoryStore).build().recover(ref().uuid());

    assertThat(recovery).hasValueSatisfying(r -> assertThat(r.completed()).isTrue());
    assertThat(replaced).as("the overlay the revert replaced").doesNotExist();
    Path current = sim.disks(ref()).get(0).image().orElseThrow();
    assertThat(memoryStore.load(ref().uuid()).ownedImages()).doesNotContain(replaced).contains(current);
    try (var files = Files.walk(dir.resolve("host"))) {
      assertThat(files.filter(f -> f.getFileName().toString().contains("xlsnap-")).toList())
          .as("images xlsnap made").containsExactly(current);
    }
    assertThat(guestReadsDisk()).as("the disk of e").isEmpty();
  }

  /** An operator recreates the domain from its configuration on another image, as xl create would. */
  private void recreateOnAnotherImage() {
    var config = sim.configuration(ref());
    Path other = dir.resolve("other.qcow2");
    images.create(other, DiskFormat.QCOW2, 1 << 20);
    sim.destroy(ref());
    sim.restore(new io.github.xlsnap.core.spi.RestoreRequest(config, Optional.empty(), java.util.Map.of("xvda", other),
        false));
  }

  @Test
  void garbageCollectionKeepsAnOverlayHoldingWritesNoSnapshotCaptured() {
    SnapshotManager manager = manager(memoryStore).build();
    Snapshot s = manager.create(vm, CreateSpec.builder().name("s").memory(false)
        .disks(List.of(DiskSpec.external("xvda"))).build());
    Path overlay = s.disk("xvda").orElseThrow().overlay().orElseThrow();
    guestWritesDisk("precious"); // into the overlay, after the snapshot: no snapshot has it
    recreateOnAnotherImage();

    DeleteResult result = manager.delete(vm, "s", DeleteMode.MERGE);

    assertThat(overlay).doesNotExist();
    Path kept = overlay.resolveSibling(overlay.getFileName() + ".xlsnap-quarantined");
    assertThat(kept).exists();
    assertThat(new String(images.read(kept, DiskFormat.QCOW2, 0, 8), UTF_8)).isEqualTo("precious");
    assertThat(result.leftovers()).anySatisfy(l -> assertThat(l).contains(kept.toString()));
    assertThat(memoryStore.load(ref().uuid()).ownedImages()).doesNotContain(overlay);
  }

  @Test
  void garbageCollectionKeepsTheBackingFileOfAnOverlayItKeepsInPlace() {
    SnapshotManager manager = manager(memoryStore).build();
    Snapshot s1 = manager.create(vm, CreateSpec.builder().name("s1").memory(false)
        .disks(List.of(DiskSpec.external("xvda"))).build());
    Path o1 = s1.disk("xvda").orElseThrow().overlay().orElseThrow();
    guestWritesDisk("captured");
    Snapshot s2 = manager.create(vm, CreateSpec.builder().name("s2").memory(false)
        .disks(List.of(DiskSpec.external("xvda"))).build());
    Path o2 = s2.disk("xvda").orElseThrow().overlay().orElseThrow();
    sim.writeDisk(ref(), "xvda", 65536, Arrays.copyOf("precious".getBytes(UTF_8), 16));
    recreateOnAnotherImage();

    DeleteResult result = manager.delete(vm, "s1", DeleteMode.CHILDREN);

    // o2 holds writes no snapshot captured: kept, and still readable through o1, kept where it was
    Path kept = o2.resolveSibling(o2.getFileName() + ".xlsnap-quarantined");
    assertThat(kept).exists();
    assertThat(o1).exists();
    assertThat(new String(images.read(kept, DiskFormat.QCOW2, 65536, 8), UTF_8)).isEqualTo("precious");
    assertThat(new String(images.read(kept, DiskFormat.QCOW2, 0, 8), UTF_8)).isEqualTo("captured");
    assertThat(result.leftovers()).anySatisfy(l -> assertThat(l).contains(kept.toString()))
        .anySatisfy(l -> assertThat(l).contains(o1 + " kept: the backing file of an image kept"))
        .noneSatisfy(l -> assertThat(l).contains("qemu-img failed"));
  }

  /**
   * Soak bug B4: a delete that dooms no snapshot (the descendants of a leaf) still disposes of images
   * left over from earlier operations, after rebasing what reads through them. Killed after recording
   * its intent, it was taken for committed (no doomed snapshot remained), and recovery removed such an
   * image while a surviving snapshot's image still read through it.
   */
  @Test
  void recoveryOfADeleteThatDoomedNothingAndDidNotCommitKeepsTheImagesItWouldHaveDisposedOf() {
    SnapshotManager manager = manager(memoryStore).build();
    guestWritesDisk("base data");
    manager.create(vm, CreateSpec.builder().name("a").memory(false).build());
    Path disk = sim.disks(ref()).get(0).image().orElseThrow();
    Path base = disk.resolveSibling("other-base.qcow2"); // not the running domain's: no device model holds it
    images.create(base, DiskFormat.QCOW2, 1 << 20);
    // an owned image no snapshot names, which a surviving snapshot's image reads through: a leftover
    // the next delete would rebase away, then remove
    Path leftover = base.resolveSibling("xvda.xlsnap-leftover.qcow2");
    Path z = base.resolveSibling("xvda.xlsnap-z.qcow2");
    images.createOverlay(leftover, base, DiskFormat.QCOW2);
    images.write(leftover, DiskFormat.QCOW2, 0, Arrays.copyOf("leftover".getBytes(UTF_8), 16));
    images.createOverlay(z, leftover, DiskFormat.QCOW2);
    images.createInternalSnapshot(z, "xlsnap-z");
    UUID uuid = ref().uuid();
    DomainMetadata md = memoryStore.load(uuid);
    Snapshot a = md.tree().get("a");
    Snapshot zSnap = new Snapshot("z", a.createTime().plusSeconds(1), "", Optional.of("a"), List.of(),
        DomainState.RUNNING, false, Optional.empty(), Optional.empty(), List.of(DiskSnapshot.internal("xvda", z, "xlsnap-z")));
    memoryStore.save(new DomainMetadata(uuid, List.of(a.withRelations(Optional.empty(), List.of("z")), zSnap),
        md.current(), java.util.Set.of(leftover, z)));
    // the intent of 'snapshot-delete vm z --children-only', as recorded just before it was killed:
    // nothing doomed, the leftover to dispose of once committed; the kill came before any rebase
    memoryStore.saveIntent(uuid, Optional.of(new io.github.xlsnap.core.internal.Intent.Delete("z", ref().domid(),
        List.of(), List.of(Map.entry(leftover, "")), List.of()).encode()));

    Optional<Recovery> recovery = manager(memoryStore).build().recover(uuid);

    assertThat(recovery).hasValueSatisfying(r -> assertThat(r.completed()).isFalse());
    assertThat(leftover).exists();
    assertThat(images.backingChain(z)).contains(leftover);
    assertThat(new String(images.read(z, DiskFormat.QCOW2, 0, 8), UTF_8)).isEqualTo("leftover");
    assertThat(memoryStore.loadIntent(uuid)).isEmpty();
    // the delete, run again to its end, leaves z reading what it read
    manager.delete(vm, "z", DeleteMode.CHILDREN_ONLY);
    assertThat(new String(images.read(z, DiskFormat.QCOW2, 0, 8), UTF_8)).isEqualTo("leftover");
  }

  /**
   * Three external snapshots in a row, then a revert to the first: the chain of overlays s2 and s3
   * froze is no longer the running domain's, so a merge-delete of s2 merges s2's frozen image away by
   * rebasing s3's frozen image onto the image below, which rewrites that file (its stamp changes, not
   * what it reads as).
   */
  private Path externalChainOffTheRunningBranch(SnapshotManager manager) {
    guestWritesDisk("one");
    manager.create(vm, CreateSpec.builder().name("s1").disks(List.of(DiskSpec.external("xvda"))).build());
    guestWritesDisk("two");
    manager.create(vm, CreateSpec.builder().name("s2").disks(List.of(DiskSpec.external("xvda"))).build());
    guestWritesDisk("three");
    Snapshot s3 = manager.create(vm, CreateSpec.builder().name("s3").disks(List.of(DiskSpec.external("xvda"))).build());
    guestWritesDisk("four");
    manager.revert(vm, "s1", RevertOptions.DEFAULTS);
    return s3.disk("xvda").orElseThrow().image().orElseThrow();
  }

  /**
   * Soak bug B5: a delete killed after its rebases and before its commit was recovered as not
   * committed, leaving the rebased frozen image of a surviving external snapshot with its old stamp, so
   * that a revert to that snapshot was refused as risky ("changed since the snapshot was taken").
   */
  @Test
  void aDeleteKilledAfterItsRebasesLeavesTheSurvivorsRevertibleWithoutForce() throws Exception {
    FaultyStore store = new FaultyStore(memoryStore);
    SnapshotManager first = manager(store).build();
    Path s3Frozen = externalChainOffTheRunningBranch(first);
    FileStamp before = FileStamp.of(s3Frozen).orElseThrow();
    crashAtFirstSave(store, () -> first.delete(vm, "s2", DeleteMode.MERGE));
    assertThat(FileStamp.of(s3Frozen)).as("the rebase ran before the crash").isNotEqualTo(Optional.of(before));

    store.point.failAt(0);
    SnapshotManager next = manager(store).build();
    assertThat(next.recover(ref().uuid())).hasValueSatisfying(r -> assertThat(r.completed()).isFalse());

    assertThat(store.load(ref().uuid()).tree().find("s2")).isPresent();
    next.revert(vm, "s3", RevertOptions.DEFAULTS);
    assertThat(guestReadsDisk()).isEqualTo("three");
    next.revert(vm, "s2", RevertOptions.DEFAULTS);
    assertThat(guestReadsDisk()).isEqualTo("two");
  }

  /** The same when the commit fails rather than the process dying: the failed delete rewrote a stamp. */
  @Test
  void aDeleteWhoseCommitFailsLeavesTheSurvivorsRevertibleWithoutForce() {
    FaultyStore store = new FaultyStore(memoryStore);
    SnapshotManager manager = manager(store).build();
    externalChainOffTheRunningBranch(manager);
    store.point.failAt(1);
    assertThatThrownBy(() -> manager.delete(vm, "s2", DeleteMode.MERGE)).isInstanceOf(XlsnapException.class)
        .hasMessageContaining("injected failure of save");
    store.point.failAt(0);

    assertThat(store.load(ref().uuid()).tree().find("s2")).isPresent();
    manager.revert(vm, "s3", RevertOptions.DEFAULTS);
    assertThat(guestReadsDisk()).isEqualTo("three");
  }

  /**
   * Soak bug B6: the retry of deferred clean-ups removes each internal snapshot, then records the new
   * stamps of the images it rewrote in one save at the end. Killed in between, it left the frozen image
   * of a surviving snapshot with a stale stamp, and the next retry forgot the tag (already gone) without
   * recording the stamp: a revert to that snapshot was refused as risky from then on.
   */
  /** The domain's UUID and the frozen image whose stamp a killed retry of deferred clean-ups left stale. */
  private record KilledRetry(SnapshotManager manager, UUID uuid, Path frozen) {}

  /**
   * Snapshots {@code gone} (internal) and {@code s1} (external, freezing the image that holds gone's tag),
   * deletes gone (its tag's removal deferred: the device model holds the frozen image), destroys the
   * domain and removes the tag as a retry would, then "kills" that retry before it saves the new stamp.
   */
  private KilledRetry retryKilledBeforeItsSave() {
    SnapshotManager manager = manager(memoryStore).build();
    guestWritesDisk("at s1");
    Snapshot gone = manager.create(vm, CreateSpec.builder().name("gone").disks(List.of(DiskSpec.internal("xvda"))).build());
    Snapshot s1 = manager.create(vm, CreateSpec.builder().name("s1").disks(List.of(DiskSpec.external("xvda"))).build());
    Path frozen = s1.disk("xvda").orElseThrow().image().orElseThrow();
    String tag = gone.disk("xvda").orElseThrow().tag().orElseThrow();
    UUID uuid = ref().uuid();
    // the device model holds s1's frozen image as a backing file: removing gone's tag from it is deferred
    assertThat(manager.delete(vm, "gone", DeleteMode.MERGE).deferred())
        .containsExactly(DeferredCleanup.internalSnapshot(frozen, tag));
    // the domain goes, and with it the hold; a retry removes the tag (rewriting the file) and is killed
    // before its save
    sim.destroy(ref());
    images.deleteInternalSnapshot(frozen, tag);
    assertThat(FileStamp.of(frozen)).isNotEqualTo(s1.disk("xvda").orElseThrow().imageStamp());
    return new KilledRetry(manager, uuid, frozen);
  }

  @Test
  void aRetryOfDeferredCleanupsKilledBeforeItRecordedTheNewStampsIsCompletedByTheNextRetry() {
    KilledRetry killed = retryKilledBeforeItsSave();
    SnapshotManager manager = killed.manager();
    UUID uuid = killed.uuid();
    Path frozen = killed.frozen();

    assertThat(manager.retryDeferredCleanups(DomainSelector.byUuid(uuid))).isEmpty();

    assertThat(memoryStore.load(uuid).tree().get("s1").disk("xvda").orElseThrow().imageStamp())
        .isEqualTo(FileStamp.of(frozen));
    manager.revert(DomainSelector.byUuid(uuid), "s1", RevertOptions.DEFAULTS);
    assertThat(guestReadsDisk()).isEqualTo("at s1");
  }

  /**
   * The same kill, then a new manager that starts with {@link SnapshotManager#recoverAll}: the retry
   * ran outside any operation record, so there is nothing to recover, yet the stamp is stale until
   * the next operation. recoverAll retries deferred clean-ups too, and records it (a flaky round of
   * snapshot-store's ProcessesTest: CHANGED_FILE of a frozen image, same size, newer mtime).
   */
  @Test
  void recoverAllRecordsTheStampAKilledRetryOfDeferredCleanupsLeftStale() {
    KilledRetry killed = retryKilledBeforeItsSave();
    UUID uuid = killed.uuid();
    Path frozen = killed.frozen();

    assertThat(manager(memoryStore).build().recoverAll()).isEmpty();

    assertThat(memoryStore.load(uuid).tree().get("s1").disk("xvda").orElseThrow().imageStamp())
        .isEqualTo(FileStamp.of(frozen));
    assertThat(memoryStore.load(uuid).deferredCleanups()).isEmpty();
  }

  @Test
  void garbageCollectionDeletesAnOverlayNoGuestEverWroteTo() {
    SnapshotManager manager = manager(memoryStore).build();
    Snapshot s = manager.create(vm, CreateSpec.builder().name("s").memory(false)
        .disks(List.of(DiskSpec.external("xvda"))).build());
    Path overlay = s.disk("xvda").orElseThrow().overlay().orElseThrow();
    recreateOnAnotherImage();

    DeleteResult result = manager.delete(vm, "s", DeleteMode.MERGE);

    assertThat(overlay).doesNotExist();
    assertThat(overlay.resolveSibling(overlay.getFileName() + ".xlsnap-quarantined")).doesNotExist();
    assertThat(result.leftovers()).isEmpty();
  }

  @Test
  void aRevertRestoresTheSnapshotsConfigurationAndAChangeSinceIsARiskNeedingForce() {
    SnapshotManager manager = manager(memoryStore).build();
    sim.writeMemory(ref(), 0, Arrays.copyOf("at snapshot".getBytes(UTF_8), 16));
    Snapshot s = manager.create(vm, CreateSpec.builder().name("s").build());
    assertThat(s.configuration()).hasValueSatisfying(c -> assertThat(c.content()).contains("memory.bytes=16384"));
    // the operator gives the domain twice the memory and restarts it
    var config = sim.configuration(ref());
    var bigger = new io.github.xlsnap.core.spi.DomainConfiguration(config.backend(),
        config.content().replace("memory.bytes=16384", "memory.bytes=32768"));
    sim.destroy(ref());
    sim.restore(new io.github.xlsnap.core.spi.RestoreRequest(bigger, Optional.empty(), java.util.Map.of(), false));

    assertThatThrownBy(() -> manager.revert(vm, "s", RevertOptions.DEFAULTS))
        .isInstanceOf(RiskyRevertException.class)
        .hasMessageContaining("configuration changed since the snapshot")
        .hasMessageContaining("memory.bytes: 16384 then, 32768 now");
    DomainRef back = manager.revert(vm, "s", new RevertOptions(RevertTarget.AS_TAKEN, true));

    assertThat(sim.configuration(back).content()).contains("memory.bytes=16384");
    assertThat(new String(sim.readMemory(back, 0, 16), UTF_8).replace("\0", "")).isEqualTo("at snapshot");
  }

  @Test
  void aRecordThatCannotBeRecoveredFailsTypedUntilAnOperatorAbandonsIt() {
    SnapshotManager manager = manager(memoryStore).build();
    UUID uuid = ref().uuid();
    String record = "format=xlsnap-intent-9\noperation=CREATE\n";
    memoryStore.saveIntent(uuid, Optional.of(record));

    assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().name("s").build()))
        .isInstanceOf(RecoveryFailedException.class)
        .hasMessageContaining(uuid.toString())
        .hasMessageContaining("abandon")
        .satisfies(e -> assertThat(((RecoveryFailedException) e).record()).isEqualTo(record));
    assertThat(manager.abandon(uuid)).contains(record);
    assertThat(manager.abandon(uuid)).isEmpty();
    assertThat(manager.create(vm, CreateSpec.builder().name("s").build()).name()).isEqualTo("s");
  }

  @Test
  void anInterruptedOperationAnotherHostRecordedIsNeitherRecoveredNorWaitedForHere() throws Exception {
    // a pool-wide store: the record is host-b's, where the domain ran; here it may look gone
    SnapshotStore pool = new ForwardingSnapshotStore(memoryStore) {
      @Override
      public Optional<String> foreignIntentHost(UUID domain) {
        return delegate.loadIntent(domain).map(i -> "host-b");
      }
    };
    SnapshotManager manager = manager(pool).build();
    manager.create(vm, CreateSpec.builder().name("s").build());
    UUID uuid = ref().uuid();
    Path rollback = dir.resolve("rollback.memory");
    Files.writeString(rollback, "host-b's rollback image");
    String record = new io.github.xlsnap.core.internal.Intent.Revert("s", 7, false, List.of(rollback), List.of(),
        java.util.Map.of(), Optional.of(rollback), sim.configuration(ref()),
        io.github.xlsnap.core.internal.Intent.Revert.Phase.FORWARD).encode();
    memoryStore.saveIntent(uuid, Optional.of(record));

    assertThat(manager.recoverAll()).isEmpty();
    assertThatThrownBy(() -> manager.recover(uuid)).isInstanceOf(RecoveryFailedException.class)
        .hasMessageContaining("recorded by host host-b");
    assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().name("t").build()))
        .isInstanceOf(RecoveryFailedException.class).hasMessageContaining("host-b");
    assertThat(rollback).hasContent("host-b's rollback image");
    assertThat(memoryStore.loadIntent(uuid)).contains(record);
    assertThat(sim.info(ref()).state().running()).isTrue();
    assertThat(manager.list(vm, ListQuery.all())).extracting(Snapshot::name).containsExactly("s");
  }

  @Test
  void aRevertWhoseRollbackImageIsGoneFailsRecoveryTypedAndKeepsTheRecord() {
    SnapshotManager manager = manager(memoryStore).build();
    manager.create(vm, CreateSpec.builder().name("s").build());
    UUID uuid = ref().uuid();
    var config = sim.configuration(ref());
    sim.destroy(ref()); // as a revert does, before the crash; its rollback memory image is then lost
    String record = new io.github.xlsnap.core.internal.Intent.Revert("s", 7, false, List.of(), List.of(),
        java.util.Map.of(), Optional.of(dir.resolve("gone.memory")), config,
        io.github.xlsnap.core.internal.Intent.Revert.Phase.FORWARD).encode();
    memoryStore.saveIntent(uuid, Optional.of(record));

    assertThatThrownBy(() -> manager.recover(uuid)).isInstanceOf(RecoveryFailedException.class)
        .hasMessageContaining("revert of snapshot 's'").hasMessageContaining("gone.memory");
    assertThat(memoryStore.loadIntent(uuid)).contains(record);
    assertThat(manager.abandon(uuid)).contains(record);
    assertThat(manager.recover(uuid)).isEmpty();
  }

  @Test
  void aMemoryImageIsForcedToDiskBeforeTheMetadataNamesIt() {
    List<String> events = new CopyOnWriteArrayList<>();
    SnapshotStore recording = new RecordingStore(memoryStore, events);
    SnapshotManager manager = manager(recording).fileSync(file -> {
      events.add("force " + file.getFileName());
      OperationContext.forceToDisk(file);
    }).build();

    Snapshot s = manager.create(vm, CreateSpec.builder().name("s").build());

    String image = s.memoryImage().orElseThrow().getFileName().toString();
    assertThat(events).containsSubsequence("force " + image, "save s");
  }

  @Test
  void anOperationOnABusyDomainGivesUpTypedAfterTheLockTimeoutWhileReadsDoNotWait() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    SnapshotManager manager = manager(new HoldingStore(memoryStore, inside, release))
        .lockTimeout(Duration.ofMillis(200)).build();
    Thread t = new Thread(() -> manager.create(vm, CreateSpec.builder().name("held").build()));
    t.start();
    try {
      assertThat(inside.await(60, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().name("second").build()))
          .isInstanceOf(DomainBusyException.class)
          .hasMessageContaining("vm")
          .hasMessageContaining("nothing was done")
          .satisfies(e -> assertThat(((DomainBusyException) e).waited()).isEqualTo(Duration.ofMillis(200)));
      // reads do not wait for the operation
      assertThat(manager.list(vm, ListQuery.all())).isEmpty();
    } finally {
      release.countDown();
      t.join();
    }
    assertThat(manager.list(vm, ListQuery.all())).extracting(Snapshot::name).containsExactly("held");
  }

  @Test
  void anInterruptedWaiterIsCancelledTypedWithItsInterruptFlagSet() throws Exception {
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    SnapshotManager manager = manager(new HoldingStore(memoryStore, inside, release))
        .lockTimeout(Duration.ofHours(1)).build();
    Thread t = new Thread(() -> manager.create(vm, CreateSpec.builder().name("held").build()));
    t.start();
    try {
      assertThat(inside.await(60, TimeUnit.SECONDS)).isTrue();
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicReference<Boolean> flag = new AtomicReference<>();
      CountDownLatch waiting = new CountDownLatch(1);
      Thread waiter = new Thread(() -> {
        waiting.countDown();
        try {
          manager.create(vm, CreateSpec.builder().name("second").build());
        } catch (Throwable e) {
          thrown.set(e);
          flag.set(Thread.currentThread().isInterrupted());
        }
      });
      waiter.start();
      assertThat(waiting.await(60, TimeUnit.SECONDS)).isTrue();
      while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.getState() != Thread.State.WAITING) {
        Thread.onSpinWait(); // until it waits for the lock
      }
      waiter.interrupt();
      waiter.join();
      assertThat(thrown.get()).isInstanceOf(OperationCancelledException.class).hasMessageContaining("vm");
      assertThat(flag.get()).isTrue();
    } finally {
      release.countDown();
      t.join();
    }
  }

  /** Records each save, by the name of the current snapshot. */
  private static final class RecordingStore extends ForwardingSnapshotStore {
    private final List<String> events;

    RecordingStore(SnapshotStore delegate, List<String> events) {
      super(delegate);
      this.events = events;
    }

    @Override
    public void save(DomainMetadata metadata) {
      events.add("save " + metadata.current().orElse(""));
      super.save(metadata);
    }
  }

  /** Holds the first operation inside its intent record until released. */
  private static final class HoldingStore extends ForwardingSnapshotStore {
    private final CountDownLatch inside;
    private final CountDownLatch release;

    HoldingStore(SnapshotStore delegate, CountDownLatch inside, CountDownLatch release) {
      super(delegate);
      this.inside = inside;
      this.release = release;
    }

    @Override
    public void saveIntent(UUID domain, Optional<String> intent) {
      super.saveIntent(domain, intent);
      if (intent.isPresent() && inside.getCount() > 0) {
        inside.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }
}
