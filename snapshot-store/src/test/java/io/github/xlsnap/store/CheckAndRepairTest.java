package io.github.xlsnap.store;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.FileStamp;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.Snapshot;
import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.StoreFinding.Kind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckAndRepairTest {
  @TempDir Path tmp;
  private final ObjectMapper json = new ObjectMapper();

  private JsonSnapshotStore store() {
    return JsonSnapshotStore.open(tmp.resolve("root"));
  }

  private void edit(Path file, java.util.function.Consumer<ObjectNode> change) throws Exception {
    ObjectNode o = (ObjectNode) json.readTree(file.toFile());
    change.accept(o);
    Files.write(file, json.writeValueAsBytes(o));
  }

  @Test
  void aHealthyDomainHasNoFindings() {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 4));
    assertThat(s.check(DOMAIN)).isEmpty();
    assertThat(s.repair(DOMAIN).found()).isEmpty();
  }

  @Test
  void corruptFilesAreQuarantinedNeverDeletedAndTheirChildrenBecomeRoots() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 3));
    Path f = s.snapshotFile(DOMAIN, "s1");
    Files.writeString(f, "{\"format_version\": 1, \"na");
    assertThat(s.check(DOMAIN)).extracting(StoreFinding::kind)
        .contains(Kind.CORRUPT_FILE, Kind.MISSING_PARENT, Kind.CHILD_NOT_LINKED);
    RepairReport r = s.repair(DOMAIN);
    assertThat(r.quarantined()).hasSize(1);
    assertThat(r.quarantined().get(0).getParent()).isEqualTo(s.dataDirectory(DOMAIN).resolve("quarantine"));
    assertThat(Files.readString(r.quarantined().get(0))).isEqualTo("{\"format_version\": 1, \"na");
    assertThat(r.remaining()).isEmpty();
    assertThat(s.check(DOMAIN)).isEmpty();
    DomainMetadata md = store().load(DOMAIN);
    assertThat(md.tree().roots()).containsExactly("s0", "s2");
    assertThat(md.current()).contains("s2");
  }

  @Test
  void aChildThatDoesNotNameItsParentIsRelinkedFromTheParentField() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 3));
    edit(s.snapshotFile(DOMAIN, "s0"), o -> o.remove("children"));
    List<StoreFinding> found = s.check(DOMAIN);
    assertThat(found).singleElement().satisfies(f -> {
      assertThat(f.kind()).isEqualTo(Kind.CHILD_NOT_LINKED);
      assertThat(f.file()).isEqualTo(s.snapshotFile(DOMAIN, "s0"));
    });
    RepairReport r = s.repair(DOMAIN);
    assertThat(r.quarantined()).isEmpty();
    assertThat(store().load(DOMAIN)).isEqualTo(Fixtures.chain(DOMAIN, 3));
  }

  @Test
  void aCycleIsFoundAndQuarantined() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 3));
    edit(s.snapshotFile(DOMAIN, "s0"), o -> o.put("parent", "s2"));
    edit(s.snapshotFile(DOMAIN, "s2"), o -> o.set("children", json.createArrayNode().add("s0")));
    assertThat(s.check(DOMAIN)).filteredOn(f -> f.kind() == Kind.CYCLE).hasSize(3);
    RepairReport r = s.repair(DOMAIN);
    assertThat(r.quarantined()).hasSize(3);
    assertThat(s.check(DOMAIN)).isEmpty();
    assertThat(store().load(DOMAIN).snapshots()).isEmpty();
  }

  @Test
  void foreignFilesAreReportedAndQuarantined() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 1));
    Path stray = Files.writeString(s.dataDirectory(DOMAIN).resolve("notes.txt"), "hello");
    assertThat(s.check(DOMAIN)).singleElement().satisfies(f -> {
      assertThat(f.kind()).isEqualTo(Kind.FOREIGN_FILE);
      assertThat(f.file()).isEqualTo(stray);
    });
    RepairReport r = s.repair(DOMAIN);
    assertThat(stray).doesNotExist();
    assertThat(Files.readString(r.quarantined().get(0))).isEqualTo("hello");
  }

  @Test
  void missingMemoryImagesAndOverlaysAreReportedNotRepaired() {
    JsonSnapshotStore s = store();
    s.save(new DomainMetadata(DOMAIN, List.of(Fixtures.rich("r", Optional.empty(), List.of())), Optional.of("r"),
        Set.of()));
    List<StoreFinding> found = s.check(DOMAIN);
    assertThat(found).extracting(StoreFinding::kind).contains(Kind.MISSING_MEMORY_IMAGE, Kind.MISSING_DISK_FILE);
    assertThat(found).allSatisfy(f -> assertThat(f.repairable()).isFalse());
    RepairReport r = s.repair(DOMAIN);
    assertThat(r.quarantined()).isEmpty();
    assertThat(r.remaining()).isEqualTo(found);
    assertThat(s.load(DOMAIN).snapshots()).hasSize(1);
  }

  @Test
  void filesChangedSinceTheSnapshotAreReportedNotRepaired() throws Exception {
    JsonSnapshotStore s = store();
    Path memory = Files.write(tmp.resolve("s.memory"), new byte[4096]);
    Path frozen = Files.write(tmp.resolve("frozen.qcow2"), new byte[512]);
    Snapshot snap = new Snapshot("s", Fixtures.T0, "", Optional.empty(), List.of(), DomainState.RUNNING, false,
        Optional.of(memory), FileStamp.of(memory), List.of(DiskSnapshot.external("xvda", frozen, DiskFormat.QCOW2,
            tmp.resolve("overlay.qcow2"), FileStamp.of(frozen))), Optional.empty());
    s.save(new DomainMetadata(DOMAIN, List.of(snap), Optional.of("s"), Set.of()));
    assertThat(s.check(DOMAIN)).isEmpty();

    Files.write(frozen, new byte[1024]); // written behind xlsnap's back
    Files.write(memory, new byte[8192]);

    List<StoreFinding> found = s.check(DOMAIN);
    assertThat(found).hasSize(2).allSatisfy(f -> {
      assertThat(f.kind()).isEqualTo(Kind.CHANGED_FILE);
      assertThat(f.snapshot()).contains("s");
      assertThat(f.repairable()).isFalse();
    });
    assertThat(found).anySatisfy(f -> assertThat(f.detail()).contains("frozen image " + frozen)
        .contains("512 bytes").contains("1024 bytes").contains("needs force"));
    assertThat(found).anySatisfy(f -> assertThat(f.detail()).contains("memory image " + memory));
    assertThat(s.repair(DOMAIN).remaining()).isEqualTo(found);
  }

  @Test
  void aDanglingCurrentIsCleared() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 2));
    edit(s.dataDirectory(DOMAIN).resolve("xlsnap-domain.libxl-json"), o -> o.put("current", "gone"));
    assertThat(s.check(DOMAIN)).extracting(StoreFinding::kind).containsExactly(Kind.DANGLING_CURRENT);
    s.repair(DOMAIN);
    assertThat(store().load(DOMAIN).current()).isEmpty();
  }

  @Test
  void aFutureFormatFileBlocksRepairAndIsLeftAlone() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 2));
    Path f = s.snapshotFile(DOMAIN, "s1");
    String future = "{\"format_version\": 9, \"name\": \"s1\"}";
    Files.writeString(f, future);
    RepairReport r = s.repair(DOMAIN);
    assertThat(r.quarantined()).isEmpty();
    assertThat(r.remaining()).anySatisfy(x -> assertThat(x.repairable()).isFalse());
    assertThat(Files.readString(f)).isEqualTo(future);
  }

  // ---------------------------------------------------------------------------------------------
  // a pending operation

  private static final String INTENT = "domid=7\nfile.0=/var/lib/xen/snapshots/x/.rollback-1.memory\nformat=xlsnap-intent-1\n"
      + "operation=REVERT\nsnapshot=s0\n" + "old_image.xvda=/img/a.qcow2\n".repeat(50);

  @Test
  void aPendingOperationIsAFindingSummarizingItsRecord() {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 1));
    s.saveIntent(DOMAIN, Optional.of(INTENT));
    assertThat(s.check(DOMAIN)).singleElement().satisfies(f -> {
      assertThat(f.kind()).isEqualTo(Kind.PENDING_OPERATION);
      assertThat(f.file()).isEqualTo(s.dataDirectory(DOMAIN).resolve("xlsnap-intent.properties"));
      assertThat(f.detail()).contains("recover").contains("operation=REVERT").contains("snapshot=s0")
          .contains(INTENT.getBytes(java.nio.charset.StandardCharsets.UTF_8).length + " bytes")
          .as("a summary, not the whole record").doesNotContain("old_image");
      assertThat(f.repairable()).isFalse();
    });
    assertThat(s.domains()).containsExactly(DOMAIN);
  }

  @Test
  void repairKeepsFilesNoSnapshotNamesWhileAnOperationIsPending() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 2));
    Path dir = s.dataDirectory(DOMAIN);
    Path rollback = Files.writeString(dir.resolve(".rollback-1.memory"), "guest RAM");
    Path fresh = Files.writeString(dir.resolve("s2.memory"), "new image");
    s.saveIntent(DOMAIN, Optional.of(INTENT));
    edit(s.snapshotFile(DOMAIN, "s0"), o -> o.remove("children")); // something repair does fix

    RepairReport r = s.repair(DOMAIN);
    assertThat(r.quarantined()).isEmpty();
    assertThat(rollback).hasContent("guest RAM");
    assertThat(fresh).hasContent("new image");
    assertThat(r.remaining()).extracting(StoreFinding::kind)
        .containsExactlyInAnyOrder(Kind.PENDING_OPERATION, Kind.FOREIGN_FILE, Kind.FOREIGN_FILE);
    assertThat(r.remaining()).filteredOn(f -> f.kind() == Kind.FOREIGN_FILE).allSatisfy(f -> {
      assertThat(f.detail()).startsWith(StoreFinding.KEPT_FOR_PENDING_OPERATION);
      assertThat(f.repairable()).isFalse();
    });
    assertThat(store().load(DOMAIN)).isEqualTo(Fixtures.chain(DOMAIN, 2));

    s.saveIntent(DOMAIN, Optional.empty()); // the manager settled the operation: now they are foreign
    assertThat(s.repair(DOMAIN).quarantined()).hasSize(2);
    assertThat(rollback).doesNotExist();
  }
}
