package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import io.github.xlsnap.libxl.realxen.RealXen;
import io.github.xlsnap.libxl.realxen.RealXenFixture;
import io.github.xlsnap.libxl.realxen.RealXenFixture.Guest;
import io.github.xlsnap.libxl.realxen.TimingHypervisorAccess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's P8 on real Xen: the downtime of xlsnap's stopped snapshot (memory image + internal qcow2
 * snapshot) of a running PV guest beside the bare sequence a user could run instead, in the same boot on
 * the same guest: {@code xl save -c} (suspend, save, resume) plus the QEMU command xlsnap sends for the
 * internal snapshot, {@code snapshot_blkdev_internal}, through {@code xl qemu-monitor-command}. The two
 * are taken in turns, three times each; the medians and their ratio are reported (the stage's
 * {@code scenarios.txt}; BENCHMARKS.md, P8). The bare figure is each command's wall time, so it includes
 * two {@code xl} process starts and is an upper bound of the bare downtime. Skipped off a dom0.
 */
class RealXenDowntimeTest {
  private static final int ROUNDS = 3;

  @Test
  void stoppedSnapshotDowntimeBesideXlSaveAndTheQemuSnapshotCommand() throws Exception {
    RealXen.assumePresent();
    try (RealXenFixture fixture = new RealXenFixture()) {
      Guest g = fixture.startGuest();
      DomainSelector sel = DomainSelector.byUuid(g.ref().uuid());
      TimingHypervisorAccess timed = new TimingHypervisorAccess(fixture.libxl());
      SnapshotManager manager = SnapshotManager.builder(timed.hypervisor(),
          new InMemorySnapshotStore(fixture.scratchDirectory().resolve("data"))).diskImages(fixture.images()).build();
      String name = g.ref().name();
      Path save = fixture.scratchDirectory().resolve("p8.save");
      List<Long> xlsnap = new ArrayList<>();
      List<Long> bare = new ArrayList<>();
      List<Long> bareSave = new ArrayList<>();
      for (int i = 0; i < ROUNDS; i++) {
        g.console().awaitTicks(g.console().mark(), 1, Duration.ofSeconds(120));
        manager.create(sel, CreateSpec.builder().name("p8-" + i).build());
        xlsnap.add(timed.downtime().toMillis());
        manager.delete(sel, "p8-" + i, DeleteMode.MERGE);

        g.console().awaitTicks(g.console().mark(), 1, Duration.ofSeconds(120));
        long t0 = System.nanoTime();
        RealXenFixture.run(Duration.ofSeconds(240), "xl", "save", "-c", name, save.toString());
        long t1 = System.nanoTime();
        String reply = RealXenFixture.run(Duration.ofSeconds(60), "xl", "qemu-monitor-command", name,
            "snapshot_blkdev_internal xvda-qcow2 p8-bare-" + i);
        long t2 = System.nanoTime();
        assertThat(HmpReply.error(reply)).as("QEMU's reply to snapshot_blkdev_internal").isEmpty();
        bareSave.add((t1 - t0) / 1_000_000);
        bare.add((t2 - t0) / 1_000_000);
        RealXenFixture.run(Duration.ofSeconds(60), "xl", "qemu-monitor-command", name,
            "snapshot_delete_blkdev_internal xvda-qcow2 p8-bare-" + i);
        Files.delete(save);
      }
      assertThat(manager.list(sel, ListQuery.all())).isEmpty();
      assertThat(fixture.images().info(g.image()).internalSnapshots()).as("no tag left").isEmpty();
      long x = median(xlsnap);
      long b = median(bare);
      RealXen.report(String.format(java.util.Locale.ROOT, "P8 stopped snapshot (memory + internal qcow2) of a running"
          + " PV guest: xlsnap downtime median %d ms %s; xl save -c + xl qemu-monitor-command"
          + " snapshot_blkdev_internal median %d ms %s (xl save -c alone %d ms); ratio %.2f", x, xlsnap, b, bare,
          median(bareSave), (double) x / b));
    }
  }

  private static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }
}
