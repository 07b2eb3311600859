package io.github.xlsnap.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.core.testing.ForwardingSnapshotStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The migrate guard: a pool-wide store and shared storage let a domain with snapshots move. */
class MigrationGuardTest {
  @TempDir Path dir;
  SimulatedHypervisor host;
  final DiskImages images = QemuImg.system();
  final DomainSelector vm = DomainSelector.byName("vm1");

  /** An in-memory store that says it is pool-wide. */
  static final class PoolStore extends ForwardingSnapshotStore {
    PoolStore(SnapshotStore delegate) {
      super(delegate);
    }

    @Override
    public boolean isPoolWide() {
      return true;
    }
  }

  @BeforeEach
  void setUp() {
    host = SimulatedHypervisor.open(dir.resolve("host"), images);
    host.createDomain(new SimDomainSpec("vm1", Optional.empty(), 64 * 1024, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20), new SimDiskSpec("xvdb", DiskFormat.RAW, 1 << 20)),
        false));
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  private SnapshotManager manager(SnapshotStore store, SharedStorage shared) {
    return SnapshotManager.builder(host, store).diskImages(images).sharedStorage(shared).build();
  }

  @Test
  void aDomainWithoutSnapshotsMayAlwaysMigrate() {
    SnapshotManager m = manager(new InMemorySnapshotStore(dir.resolve("snapshots")), SharedStorage.declaredOnly(List.of()));
    assertThat(m.checkMigration(vm)).isEmpty();
    m.checkGuard(vm, GuardedOperation.MIGRATE); // does not throw
    assertThat(host.find(vm)).isPresent();
  }

  @Test
  void aPerHostStoreIsRefusedWithTheReasonAsTheGuardsOwnException() {
    SnapshotManager m = manager(new InMemorySnapshotStore(dir.resolve("snapshots")),
        SharedStorage.declaredOnly(List.of(dir)));
    m.create(vm, CreateSpec.builder().name("a").build());
    assertThatThrownBy(() -> m.checkGuard(vm, GuardedOperation.MIGRATE))
        .isInstanceOf(DomainHasSnapshotsException.class)
        .isInstanceOfSatisfying(MigrationRefusedException.class, e -> {
          assertThat(e.reason()).isEqualTo(MigrationRefusedException.Reason.STORE_PER_HOST);
          assertThat(e.operation()).isEqualTo(GuardedOperation.MIGRATE);
          assertThat(e.snapshots()).containsExactly("a");
          assertThat(e.localFiles()).isEmpty();
        })
        .hasMessageContaining("refusing to migrate domain vm1")
        .hasMessageContaining("the snapshot store is per host (InMemorySnapshotStore)")
        .hasMessageContaining("snapshot-export").hasMessageContaining("snapshot-import");
  }

  @Test
  void aPoolWideStoreWithEveryFileSharedIsAllowedAndEveryFileWasJudged() {
    InMemorySnapshotStore inner = new InMemorySnapshotStore(dir.resolve("snapshots"));
    SnapshotManager m = manager(new PoolStore(inner), SharedStorage.declaredOnly(List.of(dir)));
    Snapshot a = m.create(vm, CreateSpec.builder().name("a").build());
    m.create(vm, CreateSpec.builder().name("b").build());

    List<SharedStorage.Verdict> verdicts = m.checkMigration(vm);

    assertThat(verdicts).allMatch(SharedStorage.Verdict::shared);
    List<Path> judged = verdicts.stream().map(SharedStorage.Verdict::path).toList();
    assertThat(judged).contains(a.memoryImage().orElseThrow(), inner.dataDirectory(host.find(vm).orElseThrow().ref().uuid()),
        a.disk("xvda").orElseThrow().image().orElseThrow(), a.disk("xvdb").orElseThrow().overlay().orElseThrow(),
        a.disk("xvdb").orElseThrow().image().orElseThrow());
    assertThat(verdicts.get(0).reason()).startsWith("declared shared (" + dir);
    m.checkGuard(vm, GuardedOperation.MIGRATE); // does not throw
  }

  @Test
  void aPoolWideStoreWithAMemoryImageOnLocalStorageIsRefusedNamingIt() {
    Path disks = dir.resolve("host");
    SnapshotManager m = manager(new PoolStore(new InMemorySnapshotStore(dir.resolve("snapshots"))),
        SharedStorage.declaredOnly(List.of(disks)));
    Snapshot a = m.create(vm, CreateSpec.builder().name("a").build());

    assertThatThrownBy(() -> m.checkMigration(vm))
        .isInstanceOfSatisfying(MigrationRefusedException.class, e -> {
          assertThat(e.reason()).isEqualTo(MigrationRefusedException.Reason.LOCAL_STORAGE);
          assertThat(e.localFiles()).anyMatch(f -> f.equals("memory image " + a.memoryImage().orElseThrow()
              + " is not declared shared"));
          assertThat(e.localFiles()).noneMatch(f -> f.contains(disks.toString()));
        })
        .hasMessageContaining("memory image " + a.memoryImage().orElseThrow());
  }

  @Test
  void overridingTheGuardIsNotCallingIt() {
    SnapshotManager m = manager(new InMemorySnapshotStore(dir.resolve("snapshots")), SharedStorage.fromMounts());
    m.create(vm, CreateSpec.builder().name("a").build());
    assertThatThrownBy(() -> m.checkMigration(vm)).isInstanceOf(MigrationRefusedException.class);
    // destroy with the guard overridden still goes ahead, keeping the snapshots
    m.destroyDomain(vm, SnapshotManager.Guard.OVERRIDE);
    assertThat(host.find(vm)).isEmpty();
    assertThatThrownBy(() -> m.checkMigration(vm)).isInstanceOf(DomainNotFoundException.class);
  }

  // ---------------------------------------------------------------------------------------------
  // the policy

  static final String MOUNTS = String.join("\n",
      "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw",
      "23 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw,size=1000k",
      "40 22 0:40 / /srv/pool rw,relatime shared:30 - nfs4 nas:/export rw,vers=4.2",
      "41 40 0:41 / /srv/pool/scratch rw,relatime shared:31 - tmpfs tmpfs rw",
      "42 22 0:42 / /mnt/my\\040share rw - cifs //nas/share rw",
      "43 22 0:43 / /mnt/ssh rw - fuse.sshfs me@nas:/x rw",
      "44 22 0:44 / /mnt/gluster rw master:7 - fuse.glusterfs nas:/vol rw",
      "");

  @Test
  void theMountTableJudgesByTheFileSystemOfTheLongestMountPoint() {
    SharedStorage s = SharedStorage.fromMountInfo(MOUNTS);
    assertThat(s.judge(Path.of("/srv/pool/images/vm1.qcow2")))
        .isEqualTo(new SharedStorage.Verdict(Path.of("/srv/pool/images/vm1.qcow2"), true, "shared storage (nfs4 at /srv/pool)"));
    assertThat(s.judge(Path.of("/srv/pool/scratch/x")).reason()).isEqualTo("local storage (tmpfs at /srv/pool/scratch)");
    assertThat(s.judge(Path.of("/var/lib/xen/snapshots/x.mem")).reason()).isEqualTo("local storage (ext4 at /)");
    assertThat(s.judge(Path.of("/mnt/my share/disk.img")).shared()).isTrue();
    assertThat(s.judge(Path.of("/mnt/ssh/disk.img")).shared()).as("sshfs is not trusted").isFalse();
    assertThat(s.judge(Path.of("/mnt/gluster/disk.img")).shared()).isTrue();
    assertThat(s.judge(Path.of("/dev/vg-pool/vm1-disk")).reason()).isEqualTo("a device not known to be shared (devtmpfs at /dev)");
  }

  @Test
  void declaredPrefixesWinOverTheMountTableAndMatchWholeComponents() {
    SharedStorage s = SharedStorage.fromMountInfo(MOUNTS).declaring(List.of(Path.of("/dev/vg-pool")));
    assertThat(s.judge(Path.of("/dev/vg-pool/vm1-disk"))).satisfies(v -> {
      assertThat(v.shared()).isTrue();
      assertThat(v.reason()).isEqualTo("declared shared (/dev/vg-pool)");
    });
    assertThat(s.judge(Path.of("/dev/vg-pool2/x")).shared()).isFalse();
    assertThat(s.declaredPrefixes()).containsExactly(Path.of("/dev/vg-pool"));
    assertThatThrownBy(() -> s.declaring(List.of(Path.of("relative")))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("relative");
    assertThatThrownBy(() -> s.judge(Path.of("relative"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theDefaultReadsThisMachinesMountTable() {
    SharedStorage.Verdict v = SharedStorage.fromMounts().judge(dir);
    assertThat(v.reason()).matches("(local|shared) storage \\(\\S+ at /.*\\)");
  }
}
