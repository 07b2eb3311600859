package io.github.xlsnap.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two managers, each on a store instance of its own (its own pool and lease connections, as two
 * processes would have), race creates on one domain: only the store's lease orders them. The final
 * tree must equal a serial replay of the acknowledged creates, in the order of their creation times:
 * one chain, each snapshot the child of the one created before it, the last current.
 */
class RacingManagersTest {
  private static final UUID VM_UUID = UUID.fromString("b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e");
  private static final DomainSelector VM = DomainSelector.byName("vm1");
  private static final int CREATES_EACH = 4;

  @TempDir
  Path dir;

  @Test
  void racingCreatesEqualASerialReplayOfTheAcknowledgedOnes() throws Exception {
    PrivatePostgres pg = PrivatePostgres.get();
    String db = pg.createDatabase("racing");
    DiskImages images = QemuImg.system();
    try (SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host"), images);
        PostgresSnapshotStore one = pg.builder(db).dataRoot(dir.resolve("shared")).hostId("one").open();
        PostgresSnapshotStore two = pg.builder(db).dataRoot(dir.resolve("shared")).hostId("two").open()) {
      host.createDomain(new SimDomainSpec("vm1", Optional.of(VM_UUID), 64 * 1024, 1,
          List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20)), false));
      List<SnapshotManager> managers = List.of(
          SnapshotManager.builder(host, one).diskImages(images).lockTimeout(Duration.ofSeconds(60)).build(),
          SnapshotManager.builder(host, two).diskImages(images).lockTimeout(Duration.ofSeconds(60)).build());
      List<Snapshot> acknowledged = new CopyOnWriteArrayList<>();
      ExecutorService threads = Executors.newFixedThreadPool(2);
      try {
        List<Future<?>> runs = new ArrayList<>();
        for (int m = 0; m < 2; m++) {
          SnapshotManager manager = managers.get(m);
          String prefix = m == 0 ? "one-" : "two-";
          runs.add(threads.submit(() -> {
            for (int i = 0; i < CREATES_EACH; i++) {
              acknowledged.add(manager.create(VM, CreateSpec.builder().name(prefix + i).memory(false).build()));
            }
            return null;
          }));
        }
        for (Future<?> run : runs) {
          run.get(120, TimeUnit.SECONDS);
        }
      } finally {
        threads.shutdownNow();
      }

      List<Snapshot> serial = new ArrayList<>(acknowledged);
      serial.sort(Comparator.comparing(Snapshot::createTime));
      DomainMetadata stored = two.load(VM_UUID);
      assertThat(stored.snapshots()).hasSize(2 * CREATES_EACH);
      for (int i = 0; i < serial.size(); i++) {
        Snapshot s = stored.tree().get(serial.get(i).name());
        assertThat(s.parent()).as("parent of %s", s.name())
            .isEqualTo(i == 0 ? Optional.empty() : Optional.of(serial.get(i - 1).name()));
      }
      assertThat(stored.current()).contains(serial.get(serial.size() - 1).name());
      assertThat(one.load(VM_UUID)).isEqualTo(stored);
      assertThat(one.loadIntent(VM_UUID)).isEmpty();
    }
  }
}
