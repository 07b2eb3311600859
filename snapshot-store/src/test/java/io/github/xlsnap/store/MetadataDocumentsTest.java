package io.github.xlsnap.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeferredCleanup;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.ExportedMetadata;
import io.github.xlsnap.core.ImportOptions;
import io.github.xlsnap.core.ImportRefusedException;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.CorruptMetadataException.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The export document: a round trip between two JSON stores, and strict reading. */
class MetadataDocumentsTest {
  @TempDir Path tmp;

  @Test
  void exportedOnOneStoreAndImportedIntoAnotherTheTreeListsTheSame() throws Exception {
    DomainSelector vm = DomainSelector.byName("web");
    try (SimulatedHypervisor host = SimulatedHypervisor.open(tmp.resolve("host"))) {
      host.createDomain(new SimDomainSpec("web", Optional.empty(), 64 * 1024, 1,
          List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20), new SimDiskSpec("xvdb", DiskFormat.RAW, 1 << 20)),
          false));
      SnapshotManager a = SnapshotManager.builder(host, JsonSnapshotStore.open(tmp.resolve("store-a"))).build();
      a.create(vm, CreateSpec.builder().name("base").build());
      a.create(vm, CreateSpec.builder().name("v2").description("second \u00e9").build());
      a.create(vm, CreateSpec.builder().name("v3").live(true).build());
      Path file = tmp.resolve("web.snapshots.json");
      Files.write(file, MetadataDocuments.write(a.exportMetadata(vm)));
      assertThat(Files.readString(file, UTF_8)).contains("\"format\" : \"xlsnap-snapshot-metadata\"")
          .contains("\"version\" : 1");

      SnapshotManager b = SnapshotManager.builder(host, JsonSnapshotStore.open(tmp.resolve("store-b"))).build();
      b.importMetadata(vm, MetadataDocuments.read(file), ImportOptions.DEFAULTS);

      SnapshotManager reopened = SnapshotManager.builder(host, JsonSnapshotStore.open(tmp.resolve("store-b"))).build();
      assertThat(reopened.list(vm, ListQuery.all())).isEqualTo(a.list(vm, ListQuery.all()));
      assertThat(reopened.tree(vm).topologicalOrder()).containsExactly("base", "v2", "v3");
      assertThat(reopened.current(vm).map(Snapshot::name)).contains("v3");
      assertThat(JsonSnapshotStore.open(tmp.resolve("store-b")).check(host.find(vm).orElseThrow().ref().uuid()))
          .isEmpty();

      Snapshot v2 = a.info(vm, "v2");
      Path overlay = a.info(vm, "base").disk("xvdb").orElseThrow().overlay().orElseThrow();
      Files.delete(v2.memoryImage().orElseThrow());
      SnapshotManager c = SnapshotManager.builder(host, JsonSnapshotStore.open(tmp.resolve("store-c"))).build();
      assertThatThrownBy(() -> c.importMetadata(vm, MetadataDocuments.read(file), ImportOptions.DEFAULTS))
          .isInstanceOfSatisfying(ImportRefusedException.class,
              e -> assertThat(e.problems()).containsExactly("memory image " + v2.memoryImage().orElseThrow()
                  + " of snapshot 'v2'"));
      assertThat(overlay).exists();
    }
  }

  private ExportedMetadata sample() {
    Snapshot a = Fixtures.rich("a", Optional.empty(), List.of("b"));
    Snapshot b = Fixtures.plain("b", Optional.of("a"), List.of(), 2);
    return new ExportedMetadata("web", new DomainMetadata(Fixtures.DOMAIN, List.of(a, b), Optional.of("b"),
        Set.of(Path.of("/img/b-1.qcow2")), Set.of(DeferredCleanup.internalSnapshot(Path.of("/img/old.qcow2"), "t1"))));
  }

  private CorruptMetadataException refused(String text) {
    Path source = tmp.resolve("doc.json");
    try {
      MetadataDocuments.parse(source, text.getBytes(UTF_8));
    } catch (CorruptMetadataException e) {
      assertThat(e.file()).isEqualTo(source);
      assertThat(e.getMessage()).startsWith(source.toString());
      return e;
    }
    throw new AssertionError("accepted: " + text);
  }

  @Test
  void aDocumentReadsBackEqual() {
    ExportedMetadata m = sample();
    byte[] bytes = MetadataDocuments.write(m);
    assertThat(MetadataDocuments.parse(Path.of("<stdin>"), bytes)).isEqualTo(m);
  }

  @Test
  void truncatedMalformedFutureAndMisshapenDocumentsAreRefusedNamingFileAndField() {
    String good = new String(MetadataDocuments.write(sample()), UTF_8);
    assertThat(refused(good.substring(0, good.length() / 2)).problem()).isEqualTo(Problem.TRUNCATED);
    assertThat(refused("").problem()).isEqualTo(Problem.TRUNCATED);
    assertThat(refused(good + "{}").problem()).isEqualTo(Problem.INVALID_JSON);
    assertThat(refused("[1]").problem()).isEqualTo(Problem.WRONG_TYPE);

    CorruptMetadataException future = refused(good.replace("\"version\" : 1", "\"version\" : 2"));
    assertThat(future.problem()).isEqualTo(Problem.FUTURE_FORMAT_VERSION);
    assertThat(future.detail()).startsWith("version 2 is newer than 1");

    assertThat(refused(good.replace("\"version\" : 1,", "")).detail()).isEqualTo("version is missing");
    assertThat(refused(good.replace("xlsnap-snapshot-metadata", "libvirt")).detail())
        .startsWith("format is 'libvirt'");
    assertThat(refused(good.replace(Fixtures.DOMAIN.toString(), "not-a-uuid")).detail())
        .isEqualTo("domain.uuid 'not-a-uuid' is not a UUID");

    CorruptMetadataException inSnapshot = refused(good.replace("\"vdev\" : \"xvdb\"", "\"vdev\" : 7"));
    assertThat(inSnapshot.problem()).isEqualTo(Problem.WRONG_TYPE);
    assertThat(inSnapshot.detail()).isEqualTo("snapshots[0]: vdev is not a string");

    CorruptMetadataException futureSnapshot = refused(good.replaceFirst("\"format_version\" : 1", "\"format_version\" : 9"));
    assertThat(futureSnapshot.problem()).isEqualTo(Problem.FUTURE_FORMAT_VERSION);
    assertThat(futureSnapshot.detail()).startsWith("snapshots[0]: format_version 9");

    CorruptMetadataException orphan = refused(good.replace("\"parent\" : \"a\"", "\"parent\" : \"gone\""));
    assertThat(orphan.problem()).isEqualTo(Problem.INCONSISTENT);
    assertThat(orphan.detail()).startsWith("the snapshots do not form a tree: ");

    assertThat(refused(good.replaceFirst("\"/img/b-1.qcow2\"", "\"b-1.qcow2\""))
        .detail()).isEqualTo("owned_images[0] b-1.qcow2 is not absolute");
  }

  @Test
  void theFuzzCorpusSeedsAValidDocument() throws Exception {
    try (var in = getClass().getResourceAsStream("MetadataDocumentsFuzzTestInputs/parseThrowsOnlyCorruptMetadata/valid")) {
      ExportedMetadata m = MetadataDocuments.parse(Path.of("valid"), in.readAllBytes());
      assertThat(m.metadata().tree().topologicalOrder()).containsExactly("a", "b");
      assertThat(m.metadata().deferredCleanups()).hasSize(1);
    }
  }

  @Test
  void aFileThatCannotBeReadIsAnIoErrorNamingIt() {
    Path missing = tmp.resolve("nope.json");
    assertThatThrownBy(() -> MetadataDocuments.read(missing))
        .isInstanceOf(io.github.xlsnap.core.XlsnapIOException.class).hasMessageContaining(missing.toString())
        .hasMessageContaining("No such file or directory");
    assertThatThrownBy(() -> MetadataDocuments.read(tmp)).isInstanceOf(io.github.xlsnap.core.XlsnapIOException.class)
        .hasMessageContaining("Is a directory");
  }

  /**
   * Random trees: snapshot {@code i}'s parent is {@code parents[i] mod i} when that is not negative,
   * else it is a root; every third snapshot uses every field; the current one is picked among them.
   */
  @Test
  void everyRandomTreeReadsBackEqualAndWritesBackTheSameBytes() {
    qt().withExamples(200).forAll(lists().of(integers().between(-3, 1000)).ofSizeBetween(0, 40),
        integers().between(-1, 40)).checkAssert((parents, cur) -> {
          ExportedMetadata m = tree(parents, cur);
          byte[] bytes = MetadataDocuments.write(m);
          ExportedMetadata back = MetadataDocuments.parse(Path.of("/tmp/x.json"), bytes);
          assertThat(back.domainName()).isEqualTo(m.domainName());
          assertThat(back.metadata().tree()).isEqualTo(m.metadata().tree());
          assertThat(back.metadata().snapshots()).containsExactlyInAnyOrderElementsOf(m.metadata().snapshots());
          assertThat(back.metadata().current()).isEqualTo(m.metadata().current());
          assertThat(back.metadata().ownedImages()).isEqualTo(m.metadata().ownedImages());
          assertThat(MetadataDocuments.write(back)).isEqualTo(bytes);
        });
  }

  private static ExportedMetadata tree(List<Integer> parents, int cur) {
    int n = parents.size();
    List<Optional<String>> parentOf = new ArrayList<>();
    List<List<String>> children = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int p = parents.get(i);
      children.add(new ArrayList<>());
      if (i == 0 || p < 0) {
        parentOf.add(Optional.empty());
      } else {
        parentOf.add(Optional.of(name(p % i)));
        children.get(p % i).add(name(i));
      }
    }
    List<Snapshot> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(i % 3 == 0 ? Fixtures.rich(name(i), parentOf.get(i), children.get(i))
          : Fixtures.plain(name(i), parentOf.get(i), children.get(i), i));
    }
    Optional<String> current = cur >= 0 && cur < n ? Optional.of(name(cur)) : Optional.empty();
    Set<Path> owned = n > 0 ? Set.of(Path.of("/img/own " + n + ".qcow2")) : Set.of();
    return new ExportedMetadata("dom \u00e9 " + n, new DomainMetadata(Fixtures.DOMAIN, all, current, owned));
  }

  private static String name(int i) {
    return "snap \u00e9-" + i;
  }
}
