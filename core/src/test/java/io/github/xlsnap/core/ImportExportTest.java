package io.github.xlsnap.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Export and import (redefine) of a domain's snapshot metadata between two stores, as between two hosts
 * with per-host stores, on a simulated host with real qcow2 images.
 */
class ImportExportTest {
  static final UUID VM_UUID = UUID.fromString("5d0c6a5e-9f7e-4a43-8d8b-3f1c2a9e7b10");
  @TempDir Path dir;
  final DiskImages images = QemuImg.system();
  final DomainSelector vm = DomainSelector.byName("vm1");
  SimulatedHypervisor host;
  InMemorySnapshotStore storeA;
  InMemorySnapshotStore storeB;
  SnapshotManager managerA;
  SnapshotManager managerB;

  @BeforeEach
  void setUp() {
    host = SimulatedHypervisor.open(dir.resolve("host"), images);
    host.createDomain(new SimDomainSpec("vm1", Optional.of(VM_UUID), 64 * 1024, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20), new SimDiskSpec("xvdb", DiskFormat.RAW, 1 << 20)),
        false));
    storeA = new InMemorySnapshotStore(dir.resolve("store-a"));
    storeB = new InMemorySnapshotStore(dir.resolve("store-b"));
    managerA = SnapshotManager.builder(host, storeA).diskImages(images).build();
    managerB = SnapshotManager.builder(host, storeB).diskImages(images).build();
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  private void writes(String text) {
    DomainRef ref = host.find(vm).orElseThrow().ref();
    byte[] b = Arrays.copyOf(text.getBytes(UTF_8), 16);
    host.writeMemory(ref, 0, b);
    host.writeDisk(ref, "xvda", 0, b);
    host.writeDisk(ref, "xvdb", 4096, b);
  }

  private String memory() {
    return new String(host.readMemory(host.find(vm).orElseThrow().ref(), 0, 16), UTF_8).replace("\0", "");
  }

  private ExportedMetadata threeSnapshots() {
    writes("a");
    managerA.create(vm, CreateSpec.builder().name("a").build());
    writes("b");
    managerA.create(vm, CreateSpec.builder().name("b").description("second").build());
    managerA.revert(vm, "a", RevertOptions.DEFAULTS);
    writes("c");
    managerA.create(vm, CreateSpec.builder().name("c").live(true).build());
    return managerA.exportMetadata(vm);
  }

  @Test
  void anImportedTreeListsAsExportedAndReverts() {
    ExportedMetadata exported = threeSnapshots();
    assertThat(exported.domainName()).isEqualTo("vm1");
    assertThat(exported.metadata()).isEqualTo(storeA.load(VM_UUID));

    DomainMetadata saved = managerB.importMetadata(vm, exported, ImportOptions.DEFAULTS);

    assertThat(saved).isEqualTo(storeA.load(VM_UUID));
    assertThat(storeB.load(VM_UUID)).isEqualTo(saved);
    assertThat(managerB.tree(vm).topologicalOrder()).isEqualTo(managerA.tree(vm).topologicalOrder());
    assertThat(managerB.list(vm, ListQuery.all())).isEqualTo(managerA.list(vm, ListQuery.all()));
    assertThat(managerB.current(vm).map(Snapshot::name)).contains("c");
    managerB.revert(vm, "b", RevertOptions.DEFAULTS);
    assertThat(memory()).isEqualTo("b");
  }

  @Test
  void missingFilesAreRefusedEveryOneNamedAndNothingIsWritten() throws Exception {
    ExportedMetadata exported = threeSnapshots();
    Snapshot a = storeA.load(VM_UUID).tree().find("a").orElseThrow();
    Snapshot b = storeA.load(VM_UUID).tree().find("b").orElseThrow();
    Files.delete(a.memoryImage().orElseThrow());
    DiskSnapshot bx = b.disk("xvda").orElseThrow();
    // through the device model: qemu-img cannot change the image of a running disk
    host.deleteInternalDiskSnapshot(host.find(vm).orElseThrow().ref(), "xvda", bx.tag().orElseThrow());

    assertThatThrownBy(() -> managerB.importMetadata(vm, exported, ImportOptions.DEFAULTS))
        .isInstanceOfSatisfying(ImportRefusedException.class, e -> {
          assertThat(e.reason()).isEqualTo(ImportRefusedException.Reason.MISSING_FILES);
          assertThat(e.problems()).containsExactlyInAnyOrder(
              "memory image " + a.memoryImage().orElseThrow() + " of snapshot 'a'",
              "internal snapshot '" + bx.tag().orElseThrow() + "' in image " + bx.image().orElseThrow()
                  + " (disk xvda) of snapshot 'b'");
        })
        .hasMessageContaining(a.memoryImage().orElseThrow().toString());
    assertThat(storeB.load(VM_UUID).isEmpty()).isTrue();
  }

  @Test
  void aTargetWithSnapshotsIsRefusedUnlessReplacedAndItsFilesAreKept() {
    ExportedMetadata exported = threeSnapshots();
    Snapshot own = managerB.create(vm, CreateSpec.builder().name("own").build());

    assertThatThrownBy(() -> managerB.importMetadata(vm, exported, ImportOptions.DEFAULTS))
        .isInstanceOfSatisfying(ImportRefusedException.class, e -> {
          assertThat(e.reason()).isEqualTo(ImportRefusedException.Reason.TARGET_HAS_METADATA);
          assertThat(e.problems()).first().asString().contains("[own]");
        });
    assertThat(managerB.tree(vm).topologicalOrder()).containsExactly("own");

    managerB.importMetadata(vm, exported, ImportOptions.DEFAULTS.replacing());
    assertThat(managerB.tree(vm).topologicalOrder()).containsExactly("a", "b", "c");
    assertThat(own.memoryImage().orElseThrow()).as("never touches files").isRegularFile();
  }

  @Test
  void anotherDomainsMetadataIsRefusedUnlessAskedAndIsThenKeyedByTheTarget() {
    ExportedMetadata exported = threeSnapshots();
    UUID other = UUID.fromString("0f0e0d0c-0b0a-4908-8706-050403020100");
    ExportedMetadata fromElsewhere = new ExportedMetadata("old-vm", new DomainMetadata(other,
        exported.metadata().snapshots(), exported.metadata().current(), exported.metadata().ownedImages()));

    assertThatThrownBy(() -> managerB.importMetadata(vm, fromElsewhere, ImportOptions.DEFAULTS))
        .isInstanceOfSatisfying(ImportRefusedException.class,
            e -> assertThat(e.reason()).isEqualTo(ImportRefusedException.Reason.OTHER_DOMAIN))
        .hasMessageContaining("old-vm (" + other + ")").hasMessageContaining("vm1 (" + VM_UUID + ")");

    DomainMetadata saved = managerB.importMetadata(vm, fromElsewhere, ImportOptions.DEFAULTS.toOtherDomain());
    assertThat(saved.domain()).isEqualTo(VM_UUID);
    assertThat(storeB.domains()).containsExactly(VM_UUID);
    assertThat(managerB.tree(vm).topologicalOrder()).containsExactly("a", "b", "c");
  }

  @Test
  void aDomainNotOnThisHostIsImportedByUuid() {
    ExportedMetadata exported = threeSnapshots();
    UUID absent = UUID.fromString("11111111-2222-4333-8444-555555555555");
    DomainSelector byUuid = DomainSelector.byUuid(absent);
    assertThatThrownBy(() -> managerB.importMetadata(DomainSelector.byName("nope"), exported, ImportOptions.DEFAULTS))
        .isInstanceOf(DomainNotFoundException.class);

    managerB.importMetadata(byUuid, exported, ImportOptions.DEFAULTS.toOtherDomain());
    assertThat(managerB.list(byUuid, ListQuery.all())).extracting(Snapshot::name).containsExactly("a", "b", "c");
  }

  @Test
  void forgettingTheExportedMetadataKeepsEveryFileForTheImportingSide() {
    ExportedMetadata exported = threeSnapshots();
    managerB.importMetadata(vm, exported, ImportOptions.DEFAULTS);

    ExportedMetadata dropped = managerA.forgetMetadata(vm);

    assertThat(dropped).isEqualTo(exported);
    assertThat(storeA.load(VM_UUID).isEmpty()).isTrue();
    assertThat(storeA.domains()).isEmpty();
    for (Snapshot s : exported.metadata().snapshots()) {
      assertThat(s.memoryImage().orElseThrow()).isRegularFile();
      s.disks().forEach(d -> d.path().ifPresent(p -> assertThat(p).exists()));
    }
    managerB.revert(vm, "b", RevertOptions.DEFAULTS);
    assertThat(memory()).isEqualTo("b");
    assertThat(managerA.forgetMetadata(vm).metadata().isEmpty()).isTrue();
  }
}
