package io.github.xlsnap.store.postgres;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.GuardedOperation;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.MigrationRefusedException;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.SharedStorage;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.RestoreRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two simulated hosts sharing one database and one storage directory (the hosts' directories, which
 * hold the disk images, and the store's data root are all on one file system, standing for shared
 * storage): a domain snapshotted on host A moves to host B (saved on A, restored on B, as a migration
 * does), and B lists, reverts and deletes its snapshots through a manager on a second store instance.
 */
class TwoHostsTest {
  private static final UUID VM_UUID = UUID.fromString("a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d");
  private static final DomainSelector VM = DomainSelector.byName("vm1");

  @TempDir
  Path dir;
  private final DiskImages images = QemuImg.system();
  private SimulatedHypervisor hostA;
  private SimulatedHypervisor hostB;
  private PostgresSnapshotStore storeA;
  private PostgresSnapshotStore storeB;
  private SnapshotManager managerA;
  private SnapshotManager managerB;

  @BeforeEach
  void open() {
    PrivatePostgres pg = PrivatePostgres.get();
    String db = pg.createDatabase("twohosts");
    Path shared = dir.resolve("shared-xlsnap");
    hostA = SimulatedHypervisor.open(dir.resolve("host-a"), images);
    hostB = SimulatedHypervisor.open(dir.resolve("host-b"), images);
    storeA = pg.builder(db).dataRoot(shared).hostId("host-a").open();
    storeB = pg.builder(db).dataRoot(shared).hostId("host-b").open();
    managerA = SnapshotManager.builder(hostA, storeA).diskImages(images).build();
    managerB = SnapshotManager.builder(hostB, storeB).diskImages(images).build();
  }

  @AfterEach
  void close() {
    storeA.close();
    storeB.close();
    hostA.close();
    hostB.close();
  }

  @Test
  void aDomainSnapshottedOnHostAIsListedRevertedAndDeletedOnHostBAfterItMoved() throws Exception {
    hostA.createDomain(new SimDomainSpec("vm1", Optional.of(VM_UUID), 64 * 1024, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20), new SimDiskSpec("xvdb", DiskFormat.RAW, 1 << 20)),
        false));
    writes(hostA, "one");
    managerA.create(VM, CreateSpec.builder().name("one").build());
    writes(hostA, "two");
    managerA.create(VM, CreateSpec.builder().name("two").live(true).build());
    writes(hostA, "moving");

    migrate();

    assertThat(hostA.find(VM)).isEmpty();
    assertThat(memory(hostB)).isEqualTo("moving");
    assertThat(managerB.list(VM, ListQuery.all()).stream().map(Snapshot::name)).containsExactly("one", "two");
    assertThat(managerB.current(VM).map(Snapshot::name)).contains("two");

    managerB.revert(VM, "one", RevertOptions.DEFAULTS);
    assertThat(memory(hostB)).isEqualTo("one");
    assertThat(disk(hostB, "xvda")).isEqualTo("one");
    assertThat(disk(hostB, "xvdb")).isEqualTo("one");

    managerB.delete(VM, "two", DeleteMode.MERGE);
    assertThat(managerB.list(VM, ListQuery.all()).stream().map(Snapshot::name)).containsExactly("one");
    // pool-wide: host A's store sees what B did, and no operation is left pending
    assertThat(storeA.load(VM_UUID).snapshots()).extracting(Snapshot::name).containsExactly("one");
    assertThat(storeA.load(VM_UUID).current()).contains("one");
    assertThat(storeA.loadIntent(VM_UUID)).isEmpty();

    writes(hostB, "on b");
    managerB.create(VM, CreateSpec.builder().name("three").build());
    managerB.revert(VM, "one", RevertOptions.DEFAULTS);
    assertThat(memory(hostB)).isEqualTo("one");
    managerB.revert(VM, "three", RevertOptions.DEFAULTS);
    assertThat(memory(hostB)).isEqualTo("on b");
    assertThat(disk(hostB, "xvda")).isEqualTo("on b");
    managerB.delete(VM, "one", DeleteMode.CHILDREN);
    // the overlays the running domain's disks are built on stay owned by it, until a later revert or delete
    assertThat(storeA.load(VM_UUID).snapshots()).isEmpty();
    assertThat(storeA.load(VM_UUID).current()).isEmpty();
    assertThat(storeA.loadIntent(VM_UUID)).isEmpty();
  }

  @Test
  void theMigrateGuardLetsTheDomainGoWhenItsFilesAreDeclaredSharedAndRefusesItWhenNot() throws Exception {
    hostA.createDomain(new SimDomainSpec("vm1", Optional.of(VM_UUID), 64 * 1024, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20), new SimDiskSpec("xvdb", DiskFormat.RAW, 1 << 20)),
        false));
    writes(hostA, "one");
    managerA.create(VM, CreateSpec.builder().name("one").build());
    SnapshotManager notShared = SnapshotManager.builder(hostA, storeA).diskImages(images)
        .sharedStorage(SharedStorage.declaredOnly(List.of(dir.resolve("shared-xlsnap")))).build();
    assertThatThrownBy(() -> notShared.checkGuard(VM, GuardedOperation.MIGRATE))
        .isInstanceOfSatisfying(MigrationRefusedException.class, e -> {
          assertThat(e.reason()).isEqualTo(MigrationRefusedException.Reason.LOCAL_STORAGE);
          assertThat(e.localFiles()).isNotEmpty().allMatch(f -> f.contains(dir.resolve("host-a").toString()));
        });

    SnapshotManager shared = SnapshotManager.builder(hostA, storeA).diskImages(images)
        .sharedStorage(SharedStorage.declaredOnly(List.of(dir))).build();
    shared.checkGuard(VM, GuardedOperation.MIGRATE); // allowed: the store is pool-wide, every file is shared
    assertThat(shared.checkMigration(VM)).isNotEmpty().allMatch(SharedStorage.Verdict::shared);
    migrate();
    assertThat(managerB.list(VM, ListQuery.all()).stream().map(Snapshot::name)).containsExactly("one");
    managerB.revert(VM, "one", RevertOptions.DEFAULTS);
    assertThat(memory(hostB)).isEqualTo("one");
  }

  @Test
  void aHostWhoseDataRootIsNotTheSharedOneIsTold() {
    assertThat(storeA.dataRootProblem()).isEmpty();
    assertThat(storeB.dataRootProblem()).isEmpty();
    try (PostgresSnapshotStore local = PostgresSnapshotStore.builder(storeA.jdbcUrl()).user(PrivatePostgres.SUPERUSER)
        .password(PrivatePostgres.PASSWORD).dataRoot(dir.resolve("not-shared")).hostId("host-c").open()) {
      assertThat(local.dataRootProblem()).hasValueSatisfying(p -> assertThat(p)
          .contains(dir.resolve("not-shared").toString()).contains("not the shared storage"));
    }
  }

  /** Moves vm1 from host A to host B: its memory saved to shared storage on A, restored from it on B. */
  private void migrate() throws Exception {
    DomainRef onA = hostA.find(VM).orElseThrow().ref();
    DomainConfiguration config = hostA.configuration(onA);
    Path image = Files.createFile(dir.resolve("vm1.migration"));
    hostA.checkpoint(onA, image, CheckpointMode.STOPPED);
    hostA.destroy(onA);
    DomainRef onB = hostB.restore(new RestoreRequest(config, Optional.of(image), Map.of(), false));
    assertThat(onB.uuid()).isEqualTo(VM_UUID);
    Files.delete(image);
  }

  private static void writes(SimulatedHypervisor host, String text) {
    DomainRef ref = host.find(VM).orElseThrow().ref();
    byte[] b = Arrays.copyOf(text.getBytes(UTF_8), 16);
    host.writeMemory(ref, 0, b);
    host.writeDisk(ref, "xvda", 0, b);
    host.writeDisk(ref, "xvdb", 4096, b);
  }

  private static String memory(SimulatedHypervisor host) {
    return new String(host.readMemory(host.find(VM).orElseThrow().ref(), 0, 16), UTF_8).replace("\0", "");
  }

  private static String disk(SimulatedHypervisor host, String target) {
    long off = target.equals("xvdb") ? 4096 : 0;
    return new String(host.readDisk(host.find(VM).orElseThrow().ref(), target, off, 16), UTF_8).replace("\0", "");
  }
}
