package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.ShutdownReason;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.spi.CheckpointMode;
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
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What had never run on real Xen (issue 11), each test on a PV counter guest of its own: a snapshot
 * of several disks, internal and external mixed, reverted and deleted; a snapshot deleted while its
 * guest is crashed (its device model still holds the image); {@link LibxlHypervisor#shutdown}; a
 * restore cancelled by interrupting its thread. Skipped, with the reason, off a dom0.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RealXenCoverageTest {
  private static final Duration TICKS = Duration.ofSeconds(120);

  private RealXenFixture fixture;
  private LibxlHypervisor xl;
  private SnapshotManager manager;
  private Path dataRoot;

  @BeforeAll
  void open() {
    if (!RealXen.present()) {
      return; // each test is then skipped, with the reason, in present()
    }
    fixture = new RealXenFixture();
    xl = fixture.libxl();
    dataRoot = fixture.scratchDirectory().resolve("data");
    manager = SnapshotManager.builder(xl, new InMemorySnapshotStore(dataRoot)).diskImages(fixture.images()).build();
  }

  @AfterAll
  void close() {
    if (fixture != null) {
      fixture.close();
    }
  }

  @BeforeEach
  void present() {
    RealXen.assumePresent();
  }

  private DomainRef ref(Guest g) {
    return xl.find(DomainSelector.byUuid(g.ref().uuid())).map(DomainInfo::ref)
        .orElseThrow(() -> new AssertionError("the guest " + g.ref().name() + " is gone"));
  }

  private static DomainDisk disk(List<DomainDisk> disks, String target) {
    return disks.stream().filter(d -> d.target().equals(target)).findFirst()
        .orElseThrow(() -> new AssertionError("no disk " + target + " in " + disks));
  }

  private List<String> filesUnder(Path dir) throws Exception {
    if (!Files.exists(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).map(Path::toString).toList();
    }
  }

  /** Polls the domain's state (every 250 ms) until it satisfies {@code until}, or fails after {@code timeout}. */
  private Optional<DomainInfo> awaitState(Guest g, Predicate<Optional<DomainInfo>> until, Duration timeout, String what)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    Optional<DomainInfo> d = xl.find(DomainSelector.byUuid(g.ref().uuid()));
    while (!until.test(d)) {
      if (System.nanoTime() > end) {
        throw new AssertionError(what + " within " + timeout + "; last seen: " + d);
      }
      Thread.sleep(250);
      d = xl.find(DomainSelector.byUuid(g.ref().uuid()));
    }
    return d;
  }

  @Test
  void severalDisksInternalAndExternalInOneSnapshotAreRevertedAndDeletedTogether() throws Exception {
    Guest g = fixture.startGuest(List.of("xvdb"));
    DomainSelector sel = DomainSelector.byUuid(g.ref().uuid());
    GuestConsole con = g.console();
    Path xvdbBefore = disk(xl.disks(ref(g)), "xvdb").image().orElseThrow();

    int before = con.lastCounter();
    Snapshot m1 = manager.create(sel, CreateSpec.builder().name("m1")
        .disks(List.of(DiskSpec.internal("xvda"), DiskSpec.external("xvdb"))).build());
    int after = con.lastCounter();
    assertThat(m1.disks()).extracting(d -> d.target()).containsExactlyInAnyOrder("xvda", "xvdb");
    assertThat(fixture.images().info(g.image()).internalSnapshots()).as("xvda's internal snapshot").hasSize(1);
    Path xvdbOverlay = disk(xl.disks(ref(g)), "xvdb").image().orElseThrow();
    assertThat(xvdbOverlay).as("xvdb after its external snapshot").isNotEqualTo(xvdbBefore);
    assertThat(fixture.images().info(xvdbOverlay).backingFile()).contains(xvdbBefore);
    assertThat(disk(xl.disks(ref(g)), "xvda").image()).as("xvda stays on its image").contains(g.image());

    while (con.lastCounter() <= after + 3) {
      con.awaitTicks(con.mark(), 1, TICKS);
    }
    int mark = con.mark();
    long t0 = System.nanoTime();
    DomainRef reverted = manager.revert(sel, "m1", RevertOptions.DEFAULTS);
    long revertMs = (System.nanoTime() - t0) / 1_000_000;
    List<Tick> ticks = con.awaitRestartedTicks(mark, after + 1, 2, TICKS);
    assertThat(ticks.get(0).memory() - 1).as("memory counter after the revert (snapshot at %d..%d): %s", before, after,
        ticks).isBetween(before, after);
    assertThat(ticks.subList(0, 2)).as("xvda's counter from the same instant").allMatch(Tick::consistent);
    List<DomainDisk> disks = xl.disks(reverted);
    assertThat(disk(disks, "xvda").image()).contains(g.image());
    Path xvdbAfter = disk(disks, "xvdb").image().orElseThrow();
    assertThat(fixture.images().info(xvdbAfter).backingFile()).as("a fresh overlay over m1's xvdb image")
        .contains(xvdbBefore);
    RealXen.report("several disks (xvda internal, xvdb external) in snapshot m1, reverted in " + revertMs
        + " ms: first ticks " + ticks.subList(0, 2) + ", xvdb on a fresh overlay over " + xvdbBefore.getFileName());

    manager.delete(sel, "m1", DeleteMode.MERGE);
    assertThat(manager.list(sel, ListQuery.all())).isEmpty();
    assertThat(fixture.images().info(g.image()).internalSnapshots()).as("xvda's tags after the delete").isEmpty();
    assertThat(filesUnder(dataRoot)).isEmpty();
    con.awaitTicks(con.mark(), 1, TICKS);
    xl.destroy(reverted);
  }

  @Test
  void aSnapshotIsDeletedWhileItsGuestIsCrashed() throws Exception {
    Guest g = fixture.startGuest();
    DomainSelector sel = DomainSelector.byUuid(g.ref().uuid());
    manager.create(sel, CreateSpec.builder().name("c1").build());
    assertThat(fixture.images().info(g.image()).internalSnapshots()).hasSize(1);
    // a kernel panic through the guest's sysrq node; the guest's on_crash is "preserve"
    RealXenFixture.run(Duration.ofSeconds(60), "xl", "sysrq", g.ref().name(), "c");
    awaitState(g, d -> d.isPresent() && d.get().state().shutdown().filter(r -> r == ShutdownReason.CRASH).isPresent(),
        Duration.ofSeconds(120), "the guest did not crash after xl sysrq c");

    long t0 = System.nanoTime();
    manager.delete(sel, "c1", DeleteMode.MERGE);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(manager.list(sel, ListQuery.all())).isEmpty();
    assertThat(filesUnder(dataRoot)).as("the memory image and metadata").isEmpty();
    assertThat(fixture.images().info(g.image()).internalSnapshots()).as("the tag, removed through the crashed "
        + "guest's device model, which still holds the image").isEmpty();
    DomainState state = xl.info(ref(g)).state();
    assertThat(state.shutdown()).as("still the crashed domain, left as it was").contains(ShutdownReason.CRASH);
    RealXen.report("snapshot deleted while its guest is crashed: " + ms + " ms; tag and memory image gone, domain "
        + "left crashed");
    xl.destroy(ref(g));
  }

  @Test
  void shutdownAsksTheGuestToPowerOffAndTheDomainGoes() throws Exception {
    Guest g = fixture.startGuest();
    long t0 = System.nanoTime();
    xl.shutdown(ref(g));
    // the guest's kernel powers off (on_poweroff = destroy), so the domain goes away
    awaitState(g, Optional::isEmpty, Duration.ofSeconds(120), "the domain did not go after shutdown()");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(Files.exists(g.image())).as("the disk image is kept").isTrue();
    RealXen.report("shutdown(): the guest powered off and its domain went " + ms + " ms after the request");
  }

  @Test
  void aRestoreCancelledByAnInterruptLeavesNoDomain() throws Exception {
    Guest g = fixture.startGuest();
    DomainRef ref = ref(g);
    DomainConfiguration configuration = xl.configuration(ref);
    Path image = fixture.scratchDirectory().resolve("cancelled-restore.save");
    Files.createFile(image);
    xl.checkpoint(ref, image, CheckpointMode.STOPPED);
    xl.destroy(ref);
    // The interrupt races the restore: one that finishes first is destroyed and tried again, the interrupt
    // coming sooner each time, until the cancellation path has run; never running it fails the test.
    List<String> finishedFirst = new ArrayList<>();
    List<Long> progressSeen = new ArrayList<>();
    for (long delayMs : new long[] {1500, 600, 200, 50, 0}) {
      AtomicReference<Object> result = new AtomicReference<>();
      Thread restorer = new Thread(() -> {
        try {
          result.set(xl.restore(new RestoreRequest(configuration, Optional.of(image), Map.of(), false)));
        } catch (Throwable t) {
          result.set(t);
        }
      }, "realxen-cancelled-restore");
      restorer.start();
      // the signal: the domain being made (libxl creates it early in the restore)
      awaitState(g, d -> d.isPresent() || !restorer.isAlive(), Duration.ofSeconds(120),
          "no domain appeared while restoring");
      // while the restore runs, the backend tells how far libxl has read (lseek on its descriptor): at
      // least the stream's start, at most the image. Read before the liveness check, so a live restorer
      // afterwards means the restore was running when it was read.
      OptionalLong position = xl.restoreProgress(image);
      if (restorer.isAlive()) {
        assertThat(position).as("the read position during the restore").isPresent();
        assertThat(position.getAsLong()).isBetween(1L, Files.size(image));
        progressSeen.add(position.getAsLong());
      }
      // not a wait for a state: the delay places the interrupt inside the restore; a race lost to a fast
      // restore is retried with a shorter delay, and the test fails only if no attempt cancelled
      Thread.sleep(delayMs);
      restorer.interrupt();
      long interruptedAt = System.nanoTime();
      restorer.join(Duration.ofSeconds(240).toMillis());
      assertThat(restorer.isAlive()).as("the restore returned after the interrupt").isFalse();
      long afterMs = (System.nanoTime() - interruptedAt) / 1_000_000;
      Object outcome = result.get();
      if (outcome instanceof LibxlCancelledException e) {
        assertThat(e.operation()).startsWith("libxl_domain_create");
        assertThat(progressSeen).as("a read position told while a restore ran").isNotEmpty();
        assertThat(xl.find(DomainSelector.byUuid(g.ref().uuid()))).as("no domain left after the cancelled restore")
            .isEmpty();
        RealXen.report("restore interrupted " + delayMs + " ms after its domain appeared: LibxlCancelledException "
            + e.code() + " " + e.errorName() + ", returned " + afterMs + " ms after the interrupt, no domain left"
            + " (attempts that finished first: " + finishedFirst.size() + "; read position while restoring, of "
            + Files.size(image) + " bytes: " + progressSeen + "); " + e.getMessage());
        return;
      } else if (outcome instanceof DomainRef restored) {
        finishedFirst.add(delayMs + " ms: returned " + afterMs + " ms after the interrupt");
        xl.destroy(restored);
      } else {
        throw new AssertionError("neither a cancellation nor a restored domain: " + outcome,
            outcome instanceof Throwable t ? t : null);
      }
    }
    throw new AssertionError("the cancellation path never ran: every interrupted restore finished first "
        + finishedFirst);
  }
}
