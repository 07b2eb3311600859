package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainNotFoundException;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.ShutdownReason;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import io.github.xlsnap.libxl.realxen.GuestConsole;
import io.github.xlsnap.libxl.realxen.GuestConsole.Tick;
import io.github.xlsnap.libxl.realxen.RealXen;
import io.github.xlsnap.libxl.realxen.RealXenFixture;
import io.github.xlsnap.libxl.realxen.RealXenFixture.Guest;
import io.github.xlsnap.libxl.realxen.TimingHypervisorAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code snapshot-create --live} on real Xen, through {@link SnapshotManager}: a PVH guest (log-dirty
 * through HAP: the stage boots Xen with nested paging) snapshotted stopped and then live with an
 * internal and with an external disk snapshot, each disk snapshot taken in the final stop; the final
 * stop and the pre-copy rounds reported beside the stopped checkpoint's downtime; reverts that show
 * the guest's memory and disk from one instant. Skipped, with the reason, off the stage.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealXenLiveTest {
  private static final Duration TICKS = Duration.ofSeconds(120);

  private RealXenFixture fixture;
  private Guest guest;
  private LibxlHypervisor xl;
  private TimingHypervisorAccess timed;
  private SnapshotManager manager;
  private Path dataRoot;

  @BeforeAll
  void startGuest() throws Exception {
    if (!RealXen.present()) {
      return; // each test is then skipped, with the reason, in guestIsUp()
    }
    fixture = new RealXenFixture(RealXenFixture.GuestType.PVH);
    xl = fixture.libxl();
    guest = fixture.startGuest();
    dataRoot = fixture.scratchDirectory().resolve("data");
    timed = new TimingHypervisorAccess(xl);
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

  /** A snapshot taken, the guest's counter around it, and the stop it cost. */
  private record Taken(Snapshot snapshot, int before, int after, Duration stop, int rounds) {}

  private Taken take(String name, boolean live, DiskSnapshotMode disk) throws Exception {
    String target = xl.disks(ref()).get(0).target();
    DiskSpec spec = disk == DiskSnapshotMode.EXTERNAL ? DiskSpec.external(target) : DiskSpec.internal(target);
    int before = console().lastCounter();
    Snapshot s = manager.create(vm(), CreateSpec.builder().name(name).live(live).disks(List.of(spec)).build());
    int after = console().lastCounter();
    assertThat(xl.info(ref()).state().paused()).as("paused after %s", name).isFalse();
    console().awaitTicks(console().mark(), 2, TICKS);
    return new Taken(s, before, after, live ? timed.finalStop() : timed.downtime(), timed.rounds());
  }

  /** Why Xen stopped the instance {@code r} for a reboot (what it does on an HVM triple fault), if it did. */
  private Optional<String> tripleFaulted(DomainRef r) {
    try {
      DomainState state = xl.info(r).state();
      return state.shutdown().filter(reason -> reason == ShutdownReason.REBOOT)
          .map(reason -> "Xen shut domain " + r.domid() + " down with reason reboot, a triple fault (" + state + ")");
    } catch (DomainNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Reverts and checks that the new instance starts from the snapshot's memory with its disk, one instant. */
  private void revertAndCheck(Taken t) throws Exception {
    while (console().lastCounter() <= t.after() + 3) {
      console().awaitTicks(console().mark(), 1, TICKS);
    }
    int mark = console().mark();
    long t0 = System.nanoTime();
    DomainRef r = manager.revert(vm(), t.snapshot().name(), RevertOptions.DEFAULTS);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(xl.info(r).state().paused()).isFalse();
    List<Tick> ticks;
    try {
      ticks = console().awaitRestartedTicks(mark, t.after() + 1, 2, TICKS, () -> tripleFaulted(r));
    } catch (GuestConsole.InstanceStopped e) {
      // A PVH guest under QEMU's emulated nested paging (TCG) sometimes triple-faults within seconds, at boot
      // too, under plain xl create (NOTES-real-xen.md, runs 44-51): Xen then shuts it down for a reboot. The
      // restore itself had succeeded; the revert of the stopped instance, once, shows the same instant.
      RealXen.report("revert to " + t.snapshot().name() + " (live, PVH): the restored instance triple-faulted under "
          + "the emulation (" + e.getMessage() + "); reverted the stopped instance again");
      mark = console().mark();
      t0 = System.nanoTime();
      DomainRef again = manager.revert(vm(), t.snapshot().name(), RevertOptions.DEFAULTS);
      ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(xl.info(again).state().paused()).isFalse();
      ticks = console().awaitRestartedTicks(mark, t.after() + 1, 2, TICKS);
    }
    Tick first = ticks.get(0);
    assertThat(first.memory() - 1).as("memory counter after the revert to %s (taken at %d..%d): %s",
        t.snapshot().name(), t.before(), t.after(), ticks).isBetween(t.before(), t.after());
    assertThat(ticks.subList(0, 2)).as("disk and memory of %s from one instant", t.snapshot().name())
        .allMatch(Tick::consistent);
    RealXen.report("revert to " + t.snapshot().name() + " (live, PVH): " + ms + " ms; first ticks " + ticks.subList(0, 2)
        + ": memory and disk from one instant");
  }

  @Test
  void liveSnapshotsOfAPvhGuestStopItBrieflyWithDisksTakenInTheFinalStopAndRevertToOneInstant() throws Exception {
    Taken stopped = take("stopped", false, DiskSnapshotMode.INTERNAL);
    RealXen.report("PVH snapshot 'stopped' (memory + internal qcow2): downtime " + stopped.stop().toMillis() + " ms");
    Taken liveInternal = take("live-internal", true, DiskSnapshotMode.INTERNAL);
    Taken liveExternal = take("live-external", true, DiskSnapshotMode.EXTERNAL);
    for (Taken live : List.of(liveInternal, liveExternal)) {
      RealXen.report("PVH snapshot '" + live.snapshot().name() + "' (--live, memory + "
          + live.snapshot().disks().get(0).mode().name().toLowerCase(java.util.Locale.ROOT) + " qcow2): final stop "
          + live.stop().toMillis() + " ms after " + live.rounds() + " rounds, against " + stopped.stop().toMillis()
          + " ms stopped (" + String.format(java.util.Locale.ROOT, "%.2f", (double) live.stop().toNanos()
          / stopped.stop().toNanos()) + "x)");
      assertThat(live.rounds()).as("pre-copy rounds of %s, the final one included", live.snapshot().name())
          .isGreaterThanOrEqualTo(2);
      assertThat(live.stop()).as("final stop of %s against the stopped snapshot's downtime", live.snapshot().name())
          .isLessThan(stopped.stop().dividedBy(2));
    }
    assertThat(liveExternal.snapshot().disks().get(0).mode()).isEqualTo(DiskSnapshotMode.EXTERNAL);
    assertThat(xl.disks(ref()).get(0).image().orElseThrow()).as("the disk runs on the overlay made in the final stop")
        .isNotEqualTo(liveExternal.snapshot().disks().get(0).image().orElseThrow());

    revertAndCheck(liveInternal);
    revertAndCheck(liveExternal);

    for (String name : List.of("live-external", "live-internal", "stopped")) {
      manager.delete(vm(), name, DeleteMode.MERGE);
    }
    assertThat(manager.list(vm(), ListQuery.all())).isEmpty();
    try (Stream<Path> s = Files.exists(dataRoot) ? Files.walk(dataRoot) : Stream.empty()) {
      assertThat(s.filter(Files::isRegularFile).toList()).as("memory images left").isEmpty();
    }
    console().awaitTicks(console().mark(), 2, TICKS);
  }
}
