package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.RevertTarget;
import io.github.xlsnap.core.ShutdownReason;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import io.github.xlsnap.core.spi.RestoreRequest;
import io.github.xlsnap.libxl.realxen.GuestConsole;
import io.github.xlsnap.libxl.realxen.GuestConsole.Tick;
import io.github.xlsnap.libxl.realxen.RealXen;
import io.github.xlsnap.libxl.realxen.RealXenFixture;
import io.github.xlsnap.libxl.realxen.RealXenFixture.Guest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The scenarios on a real Xen dom0 (the real-xen stage), with one counter guest (a PV domain
 * whose counter is in memory and on its qcow2 disk on qdisk) shared by the tests in order: the
 * manager's live snapshot (the typed error on this Xen), failures leaving the guest running and nothing
 * behind, create (running and paused), list, revert (running and paused, the counter on memory and disk
 * checked), delete; {@code xl restore} of an xlsnap image and xlsnap's restore of an {@code xl save}
 * image; external snapshots; a checkpoint cancelled by interrupting its thread mid-save; a crashed guest
 * reverted; and, on a guest of its own from {@code xl create}, libxl's own view after an external
 * snapshot: a guest reboot ({@code xl}'s restart) and {@code xl save}/{@code xl restore} reopen the
 * overlay, and its discard gives libxl the image below back. The stage runs this JVM with
 * {@code _LIBXL_DEBUG_EXEC_FDS=1}, so every child libxl starts aborts if it inherits a descriptor. Downtimes are reported with {@link RealXen#report}. Skipped, with the reason, off a dom0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealXenScenariosTest {
  private static final Duration TICKS = Duration.ofSeconds(120);

  private RealXenFixture fixture;
  private Guest guest;
  private LibxlHypervisor xl;
  private io.github.xlsnap.libxl.realxen.TimingHypervisorAccess timed;
  private SnapshotManager manager;
  private Path dataRoot;

  @BeforeAll
  void startGuest() throws Exception {
    if (!RealXen.present()) {
      return; // each test is then skipped, with the reason, in guestIsUp()
    }
    fixture = new RealXenFixture();
    xl = fixture.libxl();
    guest = fixture.startGuest();
    dataRoot = fixture.scratchDirectory().resolve("data");
    timed = new io.github.xlsnap.libxl.realxen.TimingHypervisorAccess(xl);
    manager = SnapshotManager.builder(timed.hypervisor(), new InMemorySnapshotStore(dataRoot))
        .diskImages(fixture.images()).build();
  }

  @AfterAll
  void destroyGuest() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @BeforeEach
  void guestIsUp() {
    RealXen.assumePresent();
  }

  private DomainSelector vm() {
    return DomainSelector.byUuid(guest.ref().uuid());
  }

  private DomainRef ref() {
    return xl.find(vm()).map(DomainInfo::ref).orElseThrow(() -> new AssertionError("the guest is gone"));
  }

  private GuestConsole console() {
    return guest.console();
  }

  /** Asserts that the guest runs: not paused or suspended, and its counter advances. */
  private void assertRunningAndTicking() throws Exception {
    DomainState state = xl.info(ref()).state();
    assertThat(state.paused()).as("paused").isFalse();
    assertThat(state.isSuspended()).as("suspended").isFalse();
    assertThat(state.isActive()).as("active").isTrue();
    console().awaitTicks(console().mark(), 2, TICKS);
  }

  private List<String> filesUnder(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(Path::toString).toList();
    }
  }

  @Test
  @Order(1)
  void liveSnapshotIsTheTypedErrorMinus8AndTheGuestKeepsRunning() throws Exception {
    assertThatThrownBy(() -> manager.create(vm(), CreateSpec.builder().name("live").live(true).build()))
        .isInstanceOfSatisfying(LibxlException.class, e -> {
          assertThat(e.code()).isEqualTo(-8);
          assertThat(e.error()).contains(LibxlError.GUEST_TIMEDOUT);
          assertThat(e.getMessage()).contains("not supported by this Xen");
        });
    assertRunningAndTicking();
    assertThat(manager.list(vm(), ListQuery.all())).isEmpty();
    assertThat(filesUnder(dataRoot)).isEmpty();
    RealXen.report("live snapshot: typed LibxlException ERROR_GUEST_TIMEDOUT (-8), guest kept running");
  }

  @Test
  @Order(2)
  void failureBeforeTheCheckpointReadOnlyMemoryDirectoryLeavesTheGuestRunningAndNothingBehind() throws Exception {
    Path ro = fixture.scratchDirectory().resolve("ro");
    Files.createDirectories(ro);
    RealXenFixture.run(Duration.ofSeconds(30), "mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", ro.toString());
    try {
      assertThatThrownBy(() -> manager.create(vm(),
          CreateSpec.builder().name("ro").memoryPath(ro.resolve("ro.memory")).build()))
          .isInstanceOf(io.github.xlsnap.core.XlsnapIOException.class).hasMessageContaining("ro.memory");
      assertRunningAndTicking();
      assertThat(manager.list(vm(), ListQuery.all())).isEmpty();
      assertThat(filesUnder(ro)).isEmpty();
      assertThat(fixture.images().info(guest.image()).internalSnapshots()).isEmpty();
    } finally {
      RealXenFixture.run(Duration.ofSeconds(30), "umount", ro.toString());
    }
    RealXen.report("memory directory not writable: create failed, guest running, no file, no metadata");
  }

  @Test
  @Order(3)
  void failureInTheMiddleFullMemoryDirectoryLeavesTheGuestRunningAndNothingBehind() throws Exception {
    Path full = fixture.scratchDirectory().resolve("full");
    Files.createDirectories(full);
    RealXenFixture.run(Duration.ofSeconds(30), "mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", full.toString());
    try {
      assertThatThrownBy(() -> manager.create(vm(),
          CreateSpec.builder().name("full").memoryPath(full.resolve("full.memory")).build()))
          .isInstanceOfSatisfying(LibxlException.class, e -> assertThat(e.operation()).isEqualTo("libxl_domain_suspend"));
      assertRunningAndTicking();
      assertThat(manager.list(vm(), ListQuery.all())).isEmpty();
      assertThat(filesUnder(full)).isEmpty();
      assertThat(fixture.images().info(guest.image()).internalSnapshots()).isEmpty();
    } finally {
      RealXenFixture.run(Duration.ofSeconds(30), "umount", full.toString());
    }
    RealXen.report("memory directory full (ENOSPC in the middle of the save): guest running, no file, no metadata");
  }

  @Test
  @Order(4)
  void createRunningAndPausedListRevertBothAndDelete() throws Exception {
    // running snapshot
    int before1 = console().lastCounter();
    Snapshot s1 = manager.create(vm(), CreateSpec.builder().name("s1").build());
    int after1 = console().lastCounter();
    RealXen.report("snapshot s1 (running, memory + internal qcow2): " + timed.lastDowntime()
        + "; counter " + before1 + ".." + after1);
    assertThat(s1.memoryImage()).isPresent();
    assertRunningAndTicking();

    // paused snapshot
    xl.pause(ref());
    Thread.sleep(1500);
    int before2 = console().lastCounter();
    Snapshot s2 = manager.create(vm(), CreateSpec.builder().name("s2").build());
    assertThat(xl.info(ref()).state().paused()).as("paused after a paused create").isTrue();
    int after2 = console().lastCounter();
    RealXen.report("snapshot s2 (paused): " + timed.lastDowntime() + "; counter while paused " + before2
        + ", after create " + after2 + " (the save unpauses the guest for the suspend request)");
    assertThat(s2.domainState().paused()).isTrue();
    xl.unpause(ref());

    assertThat(manager.list(vm(), ListQuery.all())).extracting(Snapshot::name).containsExactlyInAnyOrder("s1", "s2");

    // revert to the running snapshot: memory and disk both from s1
    console().awaitTicks(console().mark(), 3, TICKS);
    int mark = console().mark();
    long t0 = System.nanoTime();
    DomainRef r1 = manager.revert(vm(), "s1", RevertOptions.DEFAULTS);
    long revertMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(xl.info(r1).state().paused()).isFalse();
    List<Tick> ticks = console().awaitRestartedTicks(mark, after1 + 1, 2, TICKS);
    assertResumedFrom(ticks, before1, after1, "s1");
    RealXen.report("revert to s1 (running): " + revertMs + " ms; first ticks " + ticks.subList(0, 2));

    // revert to the paused snapshot: paused, then memory and disk from s2. First let the counter
    // (restarted from s1's) pass s2's, so that the two instances' ticks cannot be confused.
    while (console().lastCounter() <= after2 + 3) {
      console().awaitTicks(console().mark(), 1, TICKS);
    }
    mark = console().mark();
    t0 = System.nanoTime();
    DomainRef r2 = manager.revert(vm(), "s2", new RevertOptions(RevertTarget.AS_TAKEN, false));
    revertMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(xl.info(r2).state().paused()).as("reverted to a paused snapshot").isTrue();
    Thread.sleep(3000);
    assertThat(console().ticksAfter(mark)).as("no ticks of the restored instance while paused")
        .allMatch(t -> t.memory() > after2 + 1);
    xl.unpause(r2);
    ticks = console().awaitRestartedTicks(mark, after2 + 1, 2, TICKS);
    assertResumedFrom(ticks, before2, after2, "s2");
    RealXen.report("revert to s2 (paused): " + revertMs + " ms; first ticks after unpause " + ticks.subList(0, 2));

    // delete both: metadata, memory images and the disk's internal snapshots go
    manager.delete(vm(), "s1", DeleteMode.MERGE);
    assertThat(manager.list(vm(), ListQuery.all())).extracting(Snapshot::name).containsExactly("s2");
    manager.delete(vm(), "s2", DeleteMode.MERGE);
    assertThat(manager.list(vm(), ListQuery.all())).isEmpty();
    assertThat(filesUnder(dataRoot)).isEmpty();
    assertThat(fixture.images().info(guest.image()).internalSnapshots()).isEmpty();
    assertRunningAndTicking();
  }

  /** The guest continues from a counter the snapshot held, and its disk is exactly one step behind. */
  private static void assertResumedFrom(List<Tick> ticks, int low, int high, String snapshot) {
    Tick first = ticks.get(0);
    assertThat(first.memory() - 1).as("memory counter after revert to %s (was %d..%d): %s", snapshot, low, high, ticks)
        .isBetween(low, high);
    assertThat(ticks.subList(0, 2)).as("disk counter consistent with memory after revert to %s", snapshot)
        .allMatch(Tick::consistent);
  }

  @Test
  @Order(5)
  void xlRestoresAnXlsnapMemoryImage() throws Exception {
    Path image = fixture.scratchDirectory().resolve("xlsnap.save");
    Files.createFile(image);
    int before = console().lastCounter();
    xl.checkpoint(ref(), image, CheckpointMode.STOPPED);
    xl.resume(ref());
    int after = console().lastCounter();
    console().awaitTicks(console().mark(), 3, TICKS);
    xl.destroy(ref());
    int mark = console().mark();
    long t0 = System.nanoTime();
    RealXenFixture.run(Duration.ofSeconds(240), "xl", "restore", image.toString());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(xl.find(vm())).isPresent();
    List<Tick> ticks = console().awaitTicks(mark, 1, TICKS);
    assertThat(ticks.get(0).memory() - 1).as("counter after xl restore (was %d..%d)", before, after).isBetween(before, after);
    RealXen.report("xl restore of an xlsnap image: " + ms + " ms; first tick " + ticks.get(0));
    Files.delete(image);
  }

  @Test
  @Order(6)
  void xlsnapRestoresAnXlSaveImage() throws Exception {
    Path image = fixture.scratchDirectory().resolve("xl.save");
    DomainConfiguration configuration = xl.configuration(ref());
    int before = console().lastCounter();
    RealXenFixture.run(Duration.ofSeconds(240), "xl", "save", "-c", ref().name(), image.toString());
    int after = console().lastCounter();
    console().awaitTicks(console().mark(), 3, TICKS);
    xl.destroy(ref());
    int mark = console().mark();
    long t0 = System.nanoTime();
    DomainRef restored = xl.restore(new RestoreRequest(configuration, Optional.of(image), Map.of(), false));
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(restored.uuid()).isEqualTo(guest.ref().uuid());
    List<Tick> ticks = console().awaitTicks(mark, 1, TICKS);
    assertThat(ticks.get(0).memory() - 1).as("counter after restore (was %d..%d)", before, after).isBetween(before, after);
    RealXen.report("xlsnap restore of an xl save image: " + ms + " ms; first tick " + ticks.get(0));
  }

  @Test
  @Order(7)
  void externalSnapshotOverQmpRevertAndDelete() throws Exception {
    DomainDisk disk = xl.disks(ref()).get(0);
    Path base = disk.image().orElseThrow();
    int before = console().lastCounter();
    Snapshot s3 = manager.create(vm(), CreateSpec.builder().name("s3").disks(List.of(DiskSpec.external(disk.target()))).build());
    int after = console().lastCounter();
    RealXen.report("snapshot s3 (running, memory + external qcow2 overlay over QMP): " + timed.lastDowntime()
        + "; counter " + before + ".." + after);
    assertThat(s3.disks()).singleElement().satisfies(d -> assertThat(d.image()).contains(base));
    DomainDisk switched = xl.disks(ref()).get(0);
    Path overlay = switched.image().orElseThrow();
    assertThat(overlay).as("the disk's image after the external snapshot").isNotEqualTo(base);
    assertThat(fixture.images().info(overlay).backingFile()).contains(base);
    assertThat(xl.configuration(ref()).content()).as("the configuration names the overlay").contains(overlay.toString());
    assertRunningAndTicking();

    while (console().lastCounter() <= after + 3) {
      console().awaitTicks(console().mark(), 1, TICKS);
    }
    int mark = console().mark();
    long t0 = System.nanoTime();
    DomainRef r3 = manager.revert(vm(), "s3", RevertOptions.DEFAULTS);
    long revertMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(xl.info(r3).state().paused()).isFalse();
    List<Tick> ticks = console().awaitRestartedTicks(mark, after + 1, 2, TICKS);
    assertResumedFrom(ticks, before, after, "s3");
    Path reverted = xl.disks(r3).get(0).image().orElseThrow();
    assertThat(fixture.images().info(reverted).backingFile()).as("a fresh overlay over s3's image").contains(base);
    RealXen.report("revert to s3 (external): " + revertMs + " ms; first ticks " + ticks.subList(0, 2));

    manager.delete(vm(), "s3", DeleteMode.MERGE);
    assertThat(manager.list(vm(), ListQuery.all())).isEmpty();
    assertThat(filesUnder(dataRoot)).isEmpty();
    assertRunningAndTicking();
  }

  @Test
  @Order(8)
  void interruptingACheckpointMidSaveCancelsItAndLeavesTheGuestRunningAndTheImageEmpty() throws Exception {
    // The interrupt races the save: a save that finishes first is resumed and tried again, the interrupt
    // coming sooner each time, until the cancellation path has run; never running it fails the test.
    long[] delaysMs = {300, 100, 30, 0, 0};
    List<String> finishedFirst = new ArrayList<>();
    for (long delayMs : delaysMs) {
      if (interruptCheckpointAfter(delayMs, finishedFirst)) {
        return;
      }
    }
    throw new AssertionError("the cancellation path never ran: every interrupted checkpoint finished first "
        + finishedFirst);
  }

  /**
   * Interrupts a STOPPED checkpoint {@code delayMs} after its xl header appears.
   *
   * @return true if the checkpoint was cancelled (checked and reported), false if it finished first (the
   *     guest resumed again, and the attempt added to {@code finishedFirst})
   */
  private boolean interruptCheckpointAfter(long delayMs, List<String> finishedFirst) throws Exception {
    Path image = fixture.scratchDirectory().resolve("interrupted.save");
    Files.deleteIfExists(image);
    Files.createFile(image);
    DomainRef domain = ref();
    AtomicReference<Object> result = new AtomicReference<>();
    AtomicBoolean interruptStatusAfter = new AtomicBoolean();
    Thread saver = new Thread(() -> {
      try {
        result.set(xl.checkpoint(domain, image, CheckpointMode.STOPPED));
      } catch (Throwable t) {
        result.set(t);
      } finally {
        interruptStatusAfter.set(Thread.currentThread().isInterrupted());
      }
    }, "realxen-interrupted-checkpoint");
    long t0 = System.nanoTime();
    saver.start();
    // the xl header is written just before libxl_domain_suspend: interrupt delayMs after it appears
    long headerDeadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (Files.size(image) == 0 && saver.isAlive() && System.nanoTime() < headerDeadline) {
      Thread.sleep(10);
    }
    // not a wait for a state: the delay places the interrupt inside the save, and a race lost to a fast
    // save is retried with a shorter delay by the caller, which fails only if no attempt cancelled
    Thread.sleep(delayMs);
    saver.interrupt();
    long interruptedAt = System.nanoTime();
    saver.join(Duration.ofSeconds(240).toMillis());
    assertThat(saver.isAlive()).as("the checkpoint returned after the interrupt").isFalse();
    long totalMs = (System.nanoTime() - t0) / 1_000_000;
    long afterInterruptMs = (System.nanoTime() - interruptedAt) / 1_000_000;
    assertThat(interruptStatusAfter).as("the interrupt status is set again").isTrue();

    Object outcome = result.get();
    if (outcome instanceof LibxlCancelledException e) {
      assertThat(e.operation()).isEqualTo("libxl_domain_suspend");
      assertThat(e.getMessage()).contains("cancelled").contains("interrupted");
      assertRunningAndTicking();
      assertThat(!Files.exists(image) || Files.size(image) == 0).as("the image is empty or absent").isTrue();
      RealXen.report("checkpoint interrupted " + (e.getMessage().contains("before it started")
          ? "before the save started" : delayMs + " ms into the save") + ": LibxlCancelledException " + e.code() + " "
          + e.errorName() + ", returned " + afterInterruptMs + " ms after the interrupt (" + totalMs
          + " ms in all; attempts that finished first: " + finishedFirst.size() + "); guest running, image empty; "
          + e.getMessage());
      return true;
    } else if (outcome instanceof CheckpointResult r) {
      // the save finished before libxl_ao_abort took effect: a STOPPED checkpoint leaves the domain suspended.
      // That race ends right after the interrupt; a save that went on for longer ignored it.
      assertThat(afterInterruptMs).as("a completed checkpoint returned %d ms after the interrupt: it was not"
          + " cancelled", afterInterruptMs).isLessThan(150);
      assertThat(xl.info(ref()).state().isSuspended()).as("suspended after a completed STOPPED checkpoint").isTrue();
      xl.resume(ref());
      assertRunningAndTicking();
      finishedFirst.add(delayMs + " ms: " + r.bytesWritten() + " bytes in " + r.guestStopped().toMillis()
          + " ms, returned " + afterInterruptMs + " ms after the interrupt");
      Files.delete(image);
      return false;
    } else {
      throw new AssertionError("neither a cancellation nor a completed checkpoint: " + outcome,
          outcome instanceof Throwable t ? t : null);
    }
  }

  @Test
  @Order(9)
  void aCrashedGuestIsRevertedToASnapshot() throws Exception {
    int before = console().lastCounter();
    manager.create(vm(), CreateSpec.builder().name("s4").build());
    int after = console().lastCounter();
    assertRunningAndTicking();
    while (console().lastCounter() <= after + 3) {
      console().awaitTicks(console().mark(), 1, TICKS);
    }
    // a kernel panic through the guest's sysrq node; the guest's on_crash is "preserve"
    RealXenFixture.run(Duration.ofSeconds(60), "xl", "sysrq", ref().name(), "c");
    long end = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    DomainState state = xl.info(ref()).state();
    while (!state.shutdown().filter(r -> r == ShutdownReason.CRASH).isPresent()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("the guest did not crash after xl sysrq c: " + state);
      }
      Thread.sleep(250);
      state = xl.info(ref()).state();
    }
    int mark = console().mark();
    long t0 = System.nanoTime();
    DomainRef r4 = manager.revert(vm(), "s4", RevertOptions.DEFAULTS);
    long revertMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(xl.info(r4).state().isActive()).as("active after the revert").isTrue();
    assertThat(xl.info(r4).state().paused()).isFalse();
    List<Tick> ticks = console().awaitRestartedTicks(mark, after + 1, 2, TICKS);
    assertResumedFrom(ticks, before, after, "s4");
    RealXen.report("crashed guest (xl sysrq c, on_crash=preserve) reverted to s4: " + revertMs + " ms; first ticks "
        + ticks.subList(0, 2));

    manager.delete(vm(), "s4", DeleteMode.MERGE);
    assertThat(manager.list(vm(), ListQuery.all())).isEmpty();
    assertThat(fixture.images().info(xl.disks(r4).get(0).image().orElseThrow()).internalSnapshots()).isEmpty();
    assertRunningAndTicking();
  }

  /** {@code pdev_path} of the first disk in libxl's own view of a domain, as {@code xl list -l} prints it. */
  private static String xlListDiskImage(String name) throws Exception {
    String out = RealXenFixture.run(Duration.ofSeconds(60), "xl", "list", "-l", name);
    var tree = new com.fasterxml.jackson.databind.ObjectMapper().readTree(out);
    return tree.path(0).path("config").path("disks").path(0).path("pdev_path").asText("(none in: " + out + ")");
  }

  /** Waits until a domain of that name exists with a domid other than {@code oldDomid}. */
  private DomainRef awaitNewInstance(String name, int oldDomid, Duration timeout) throws Exception {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      Optional<DomainRef> d = xl.find(DomainSelector.byName(name)).map(DomainInfo::ref);
      if (d.isPresent() && d.get().domid() != oldDomid) {
        return d.get();
      }
      if (System.nanoTime() > end) {
        Path monitorLog = Path.of("/var/log/xen/xl-" + name + ".log");
        throw new AssertionError("no new instance of " + name + " (old domid " + oldDomid + ") within " + timeout
            + "; domains: " + RealXenFixture.run(Duration.ofSeconds(30), "xl", "list") + "; xl's monitor log: "
            + (Files.exists(monitorLog) ? Files.readString(monitorLog) : "(none)"));
      }
      Thread.sleep(250);
    }
  }

  @Test
  @Order(10)
  void afterAnExternalSnapshotARebootAndXlSaveRestoreReopenTheOverlayNotTheFrozenImage() throws Exception {
    assertThat(System.getenv("_LIBXL_DEBUG_EXEC_FDS")).as("libxl's check for leaked descriptors is armed in this "
        + "JVM (a child of libxl inheriting a descriptor aborts)").isEqualTo("1");
    // a guest from xl create: its xl process restarts it on reboot from libxl's stored configuration
    Guest g = fixture.startGuest();
    String name = g.ref().name();
    GuestConsole con = g.console();
    DomainSelector sel = DomainSelector.byName(name);
    Path base = g.image();
    assertThat(xlListDiskImage(name)).isEqualTo(base.toString());

    // disk only: a checkpoint would suspend the domain, and xl 4.17's monitor exits when its domain suspends
    // (xl_vmcontrol.c handle_domain_death: SHUTDOWN_REASON_SUSPEND -> "Done. Exiting now"), so nothing would
    // restart it on reboot afterwards
    manager.create(sel, CreateSpec.builder().name("s5").memory(false).disks(List.of(DiskSpec.external("xvda")))
        .build());
    int after = con.lastCounter();
    DomainRef first = xl.find(sel).map(DomainInfo::ref).orElseThrow();
    Path overlay = xl.disks(first).get(0).image().orElseThrow();
    assertThat(overlay).as("QEMU writes to the overlay").isNotEqualTo(base);
    assertThat(xlListDiskImage(name)).as("libxl's own view (xl list -l) after the external snapshot")
        .isEqualTo(overlay.toString());

    // the guest writes its counter into the overlay; the frozen image keeps at most `after`
    while (con.lastCounter() <= after + 3) {
      con.awaitTicks(con.mark(), 1, TICKS);
    }
    int mark = con.mark();
    int lastSeen = con.lastCounter();
    // sysrq b: the guest's kernel restarts at once (SCHEDOP_shutdown reboot); xl restarts the domain
    RealXenFixture.run(Duration.ofSeconds(60), "xl", "sysrq", name, "b");
    long t0 = System.nanoTime();
    DomainRef rebooted = awaitNewInstance(name, first.domid(), Duration.ofSeconds(120));
    List<Tick> boot = con.awaitRestartedTicks(mark, 1, 1, Duration.ofSeconds(240));
    long rebootMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(boot.get(0).memory()).as("a fresh boot").isEqualTo(1);
    assertThat(boot.get(0).diskBefore()).as("the disk after the reboot holds the overlay's counter (last seen %d; the "
        + "frozen image holds at most %d)", lastSeen, after).isGreaterThanOrEqualTo(lastSeen);
    assertThat(xl.disks(rebooted).get(0).image()).as("QEMU of the rebooted domain").contains(overlay);
    assertThat(xlListDiskImage(name)).isEqualTo(overlay.toString());
    RealXen.report("reboot after an external snapshot (xl sysrq b, on_reboot=restart): " + rebootMs + " ms; first tick "
        + boot.get(0) + ", last tick before " + lastSeen + ", frozen image <= " + after);

    // xl save / xl restore: the save file's configuration is libxl's stored one
    con.awaitTicks(con.mark(), 2, TICKS);
    Path save = fixture.scratchDirectory().resolve("overlay.save");
    RealXenFixture.run(Duration.ofSeconds(240), "xl", "save", name, save.toString());
    int saved = con.lastCounter();
    int mark2 = con.mark();
    t0 = System.nanoTime();
    RealXenFixture.run(Duration.ofSeconds(240), "xl", "restore", save.toString());
    long restoreMs = (System.nanoTime() - t0) / 1_000_000;
    List<Tick> restored = con.awaitTicks(mark2, 2, TICKS);
    assertThat(restored.get(0).memory()).as("the counter continues (saved at %d)", saved)
        .isBetween(saved, saved + 2);
    assertThat(restored).as("memory and disk from one instant: the overlay, not the frozen image (<= %d)", after)
        .allMatch(Tick::consistent);
    DomainRef back = xl.find(sel).map(DomainInfo::ref).orElseThrow();
    assertThat(xl.disks(back).get(0).image()).as("QEMU of the restored domain").contains(overlay);
    RealXen.report("xl save + xl restore after an external snapshot: restore " + restoreMs + " ms; first ticks "
        + restored.subList(0, 2) + " (saved at " + saved + ")");
    Files.delete(save);

    // an external snapshot undone (the failure path of a create) gives libxl back the image below
    Path second = fixture.scratchDirectory().resolve(name + ".second.qcow2");
    xl.pause(back);
    List<io.github.xlsnap.core.spi.DiskSnapshotRequest> requests =
        List.of(io.github.xlsnap.core.spi.DiskSnapshotRequest.external("xvda", second));
    xl.snapshotDisks(back, requests);
    assertThat(xlListDiskImage(name)).isEqualTo(second.toString());
    xl.discardDiskSnapshots(back, requests);
    assertThat(xlListDiskImage(name)).as("after the discard").isEqualTo(overlay.toString());
    assertThat(xl.disks(back).get(0).image()).contains(overlay);
    xl.unpause(back);
    con.awaitTicks(con.mark(), 1, TICKS);
    RealXen.report("external snapshot and its discard: libxl's view followed (" + second.getFileName() + ", then "
        + overlay.getFileName() + ")");

    manager.delete(sel, "s5", DeleteMode.MERGE);
    xl.destroy(back);
  }
}
