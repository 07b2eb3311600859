package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.DeferredCleanup;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.CorruptMetadataException.Problem;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonSnapshotStoreTest {
  @TempDir Path tmp;

  private JsonSnapshotStore store() {
    return JsonSnapshotStore.open(tmp.resolve("root"));
  }

  private static DomainMetadata richMetadata() {
    return new DomainMetadata(DOMAIN, List.of(
        Fixtures.rich("base", Optional.empty(), List.of("child")),
        Fixtures.plain("child", Optional.of("base"), List.of(), 9)),
        Optional.of("child"), Set.of(Path.of("/img/b-1.qcow2")));
  }

  @Test
  void savedMetadataReadsBackEqualInAFreshStore() {
    store().save(richMetadata());
    assertThat(store().load(DOMAIN)).isEqualTo(richMetadata());
    assertThat(store().domains()).containsExactly(DOMAIN);
  }

  @Test
  void deferredInternalSnapshotsAreKeptInTheDomainRecordAndKeepADomainWithoutSnapshots() throws Exception {
    DeferredCleanup tag = DeferredCleanup.internalSnapshot(Path.of("/img/base.qcow2"), "xlsnap-0123456789ab");
    DomainMetadata md = richMetadata();
    store().save(new DomainMetadata(DOMAIN, md.snapshots(), md.current(), md.ownedImages(), Set.of(tag)));

    assertThat(store().load(DOMAIN).deferredCleanups()).containsExactly(tag);
    JsonNode record = new ObjectMapper().readTree(store().root().resolve(DOMAIN.toString())
        .resolve("xlsnap-domain.libxl-json").toFile());
    assertThat(record.get("deferred_internal_snapshots").get(0).get("pdev_path").asText()).isEqualTo("/img/base.qcow2");
    assertThat(record.get("deferred_internal_snapshots").get(0).get("tag").asText()).isEqualTo("xlsnap-0123456789ab");

    // every snapshot deleted, the deferred clean-up still pending: the domain stays in the store
    store().save(new DomainMetadata(DOMAIN, List.of(), Optional.empty(), Set.of(), Set.of(tag)));
    assertThat(store().domains()).containsExactly(DOMAIN);
    assertThat(store().load(DOMAIN).deferredCleanups()).containsExactly(tag);

    store().save(DomainMetadata.empty(DOMAIN));
    assertThat(store().load(DOMAIN)).isEqualTo(DomainMetadata.empty(DOMAIN));
    assertThat(store().domains()).isEmpty();
  }

  @Test
  void unknownDomainLoadsEmptyAndCreatesNothing() {
    JsonSnapshotStore s = store();
    assertThat(s.load(DOMAIN)).isEqualTo(DomainMetadata.empty(DOMAIN));
    assertThat(s.root().resolve(DOMAIN.toString())).doesNotExist();
    assertThat(s.domains()).isEmpty();
  }

  @Test
  void layoutIsOneLibxlJsonFilePerSnapshotWithPrivateModes() throws Exception {
    JsonSnapshotStore s = store();
    s.save(richMetadata());
    Path dir = s.root().resolve(DOMAIN.toString());
    assertThat(s.dataDirectory(DOMAIN)).isEqualTo(dir);
    assertThat(s.snapshotFile(DOMAIN, "base")).isEqualTo(dir.resolve("snapshotdata-base.libxl-json"));
    assertThat(dir.resolve("snapshotdata-base.libxl-json")).isRegularFile();
    assertThat(dir.resolve("snapshotdata-child.libxl-json")).isRegularFile();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir))).isEqualTo("rwx------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(s.root()))).isEqualTo("rwx------");
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).as(f.toString()).isEqualTo("rw-------");
      }
    }
    String text = Files.readString(dir.resolve("snapshotdata-base.libxl-json"));
    assertThat(text).startsWith("{\n    \"format_version\" : 1,");
    JsonNode base = new ObjectMapper().readTree(text);
    assertThat(base.get("name").asText()).isEqualTo("base");
    assertThat(base.get("create_time").asText()).isEqualTo("2026-11-25T22:31:05.123456789Z");
    assertThat(base.get("children").get(0).asText()).isEqualTo("child");
    assertThat(base.has("parent")).isFalse(); // libxl omits defaults
    JsonNode args = base.get("snapshot_args");
    assertThat(args.get("memory").asBoolean()).isTrue();
    assertThat(args.get("memory_path").asText()).endsWith("/base.memory");
    assertThat(args.get("disks").get(1).get("mode").asText()).isEqualTo("external");
    assertThat(args.get("disks").get(1).get("external_path").asText()).isEqualTo("/img/b-1.qcow2");
    assertThat(args.get("disks").get(1).get("format").asText()).isEqualTo("raw");
    assertThat(base.get("domain_state").get("shutdown_reason").asText()).isEqualTo("suspend");
    JsonNode child = new ObjectMapper().readTree(dir.resolve("snapshotdata-child.libxl-json").toFile());
    assertThat(child.get("parent").asText()).isEqualTo("base");
    JsonNode record = new ObjectMapper().readTree(dir.resolve("xlsnap-domain.libxl-json").toFile());
    assertThat(record.get("current").asText()).isEqualTo("child");
    assertThat(record.get("owned_images").get(0).asText()).isEqualTo("/img/b-1.qcow2");
    assertThat(dir.resolve("xlsnap-journal.libxl-json")).doesNotExist();
  }

  @Test
  void unknownFieldsAreKeptWhenAFileIsRewritten() throws Exception {
    JsonSnapshotStore s = store();
    s.save(richMetadata());
    Path file = s.snapshotFile(DOMAIN, "base");
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = (ObjectNode) m.readTree(file.toFile());
    o.put("future_top", "kept");
    ((ObjectNode) o.get("snapshot_args")).put("future_arg", 7);
    ((ObjectNode) o.get("snapshot_args").get("disks").get(0)).put("future_disk", true);
    Files.write(file, m.writeValueAsBytes(o));
    // a fresh store, then a change to base's children: base is rewritten
    JsonSnapshotStore fresh = store();
    DomainMetadata md = Fixtures.create(fresh.load(DOMAIN), "other", 20);
    DomainMetadata moved = new DomainMetadata(DOMAIN, md.snapshots(), Optional.of("base"), md.ownedImages());
    fresh.save(Fixtures.create(moved, "third", 30));
    JsonNode after = m.readTree(file.toFile());
    assertThat(after.get("children")).hasSize(2);
    assertThat(after.get("future_top").asText()).isEqualTo("kept");
    assertThat(after.get("snapshot_args").get("future_arg").asInt()).isEqualTo(7);
    assertThat(after.get("snapshot_args").get("disks").get(0).get("future_disk").asBoolean()).isTrue();
  }

  @Test
  void emptyMetadataRemovesTheDomain() {
    JsonSnapshotStore s = store();
    s.save(richMetadata());
    s.save(DomainMetadata.empty(DOMAIN));
    assertThat(s.domains()).isEmpty();
    assertThat(store().load(DOMAIN)).isEqualTo(DomainMetadata.empty(DOMAIN));
    assertThat(s.dataDirectory(DOMAIN).resolve("snapshotdata-base.libxl-json")).doesNotExist();
  }

  @Test
  void aCreateWritesOnlyTheNewRecordTheParentAndTheDomainRecord() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 5));
    Path untouched = s.snapshotFile(DOMAIN, "s1");
    var before = Files.getLastModifiedTime(untouched);
    Files.setLastModifiedTime(untouched, java.nio.file.attribute.FileTime.fromMillis(0));
    List<String> steps = new java.util.ArrayList<>();
    s.onCommitStep(steps::add);
    s.save(Fixtures.create(s.load(DOMAIN), "s5", 5));
    assertThat(steps).containsExactly("before-journal", "temporaries", "forced", "journal",
        "write snapshotdata-s4.libxl-json", "write snapshotdata-s5.libxl-json", "record", "directory");
    assertThat(Files.getLastModifiedTime(untouched).toMillis()).isZero();
    assertThat(before).isNotNull();
  }

  // ---------------------------------------------------------------------------------------------
  // bad files

  private Path badFile(String content) throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 3));
    Path f = s.snapshotFile(DOMAIN, "s1");
    Files.writeString(f, content);
    return f;
  }

  private void assertRefused(Path file, Problem problem) throws Exception {
    Path dir = file.getParent();
    var snapshot = snapshotOfDir(dir);
    assertThatThrownBy(() -> store().load(DOMAIN))
        .isInstanceOfSatisfying(CorruptMetadataException.class, e -> {
          assertThat(e.file()).isEqualTo(file);
          assertThat(e.problem()).isEqualTo(problem);
          assertThat(e.getMessage()).contains(file.toString());
        });
    assertThat(store().check(DOMAIN)).anySatisfy(f -> {
      assertThat(f.kind()).isEqualTo(StoreFinding.Kind.CORRUPT_FILE);
      assertThat(f.file()).isEqualTo(file);
      assertThat(f.detail()).startsWith(problem.name() + ": ")
          .as("the finding names the file once, in its own field").doesNotContain(file.toString());
      assertThat(f.toString()).containsOnlyOnce(file.toString());
    });
    // a save is refused too, and nothing else was touched
    assertThatThrownBy(() -> store().save(Fixtures.chain(DOMAIN, 1))).isInstanceOf(CorruptMetadataException.class);
    assertThat(snapshotOfDir(dir)).isEqualTo(snapshot);
  }

  private static java.util.Map<String, String> snapshotOfDir(Path dir) throws Exception {
    java.util.Map<String, String> m = new java.util.TreeMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).toList()) {
        m.put(f.getFileName().toString(), Files.readString(f) + Files.getLastModifiedTime(f));
      }
    }
    return m;
  }

  @Test
  void truncatedFileIsATypedErrorNamingIt() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 3));
    Path f = s.snapshotFile(DOMAIN, "s1");
    byte[] b = Files.readAllBytes(f);
    Files.write(f, java.util.Arrays.copyOf(b, b.length / 2));
    assertRefused(f, Problem.TRUNCATED);
  }

  @Test
  void emptyFileIsTruncated() throws Exception {
    assertRefused(badFile(""), Problem.TRUNCATED);
  }

  @Test
  void invalidJsonIsATypedErrorNamingIt() throws Exception {
    assertRefused(badFile("{\"format_version\": 1, \"name\": \"s1\",, }"), Problem.INVALID_JSON);
  }

  @Test
  void duplicateKeysAreInvalidJson() throws Exception {
    assertRefused(badFile("{\"format_version\": 1, \"name\": \"s1\", \"name\": \"s1\"}"), Problem.INVALID_JSON);
  }

  @Test
  void wrongTypesAreATypedErrorNamingIt() throws Exception {
    assertRefused(badFile("{\"format_version\": 1, \"name\": \"s1\", \"create_time\": 12}"), Problem.WRONG_TYPE);
  }

  @Test
  void aFutureFormatVersionIsRefused() throws Exception {
    assertRefused(badFile("{\"format_version\": 2, \"name\": \"s1\", \"create_time\": \"2026-01-01T00:00:00Z\"}"),
        Problem.FUTURE_FORMAT_VERSION);
  }

  @Test
  void aNameWithDotDotSlashIsRefused() throws Exception {
    assertRefused(badFile("{\"format_version\": 1, \"name\": \"../../etc/passwd\", \"create_time\": \"2026-01-01T00:00:00Z\"}"),
        Problem.BAD_NAME);
  }

  @Test
  void aNameThatDiffersFromTheFileNameIsRefused() throws Exception {
    assertRefused(badFile("{\"format_version\": 1, \"name\": \"s2\", \"create_time\": \"2026-01-01T00:00:00Z\"}"),
        Problem.BAD_NAME);
  }

  @Test
  void aSymlinkedMetadataFileIsRefused() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 3));
    Path f = s.snapshotFile(DOMAIN, "s1");
    Path elsewhere = tmp.resolve("elsewhere.json");
    Files.move(f, elsewhere);
    Files.createSymbolicLink(f, elsewhere);
    assertRefused(f, Problem.NOT_A_REGULAR_FILE);
  }

  @Test
  void aSymlinkedDomainDirectoryIsRefused() throws Exception {
    JsonSnapshotStore s = store();
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Files.createSymbolicLink(s.dataDirectory(DOMAIN), outside);
    assertThatThrownBy(() -> s.load(DOMAIN)).isInstanceOfSatisfying(CorruptMetadataException.class,
        e -> assertThat(e.file()).isEqualTo(s.dataDirectory(DOMAIN)));
    assertThatThrownBy(() -> s.save(Fixtures.chain(DOMAIN, 1))).isInstanceOf(RuntimeException.class);
    try (Stream<Path> l = Files.list(outside)) {
      assertThat(l).isEmpty();
    }
  }

  @Test
  void namesThatCouldEscapeTheRootAreRejected() {
    JsonSnapshotStore s = store();
    assertThatThrownBy(() -> s.snapshotFile(DOMAIN, "../x")).isInstanceOf(io.github.xlsnap.core.XlsnapException.class);
    assertThatThrownBy(() -> s.snapshotFile(DOMAIN, "..")).isInstanceOf(io.github.xlsnap.core.XlsnapException.class);
    assertThat(s.snapshotFile(DOMAIN, "a..b").getParent()).isEqualTo(s.dataDirectory(DOMAIN));
  }

  @Test
  void directoriesThatAreNotCanonicalUuidsAreNotDomains() throws Exception {
    JsonSnapshotStore s = store();
    Files.createDirectory(s.root().resolve("not-a-uuid"));
    Files.createDirectory(s.root().resolve(DOMAIN.toString().toUpperCase()));
    assertThat(s.domains()).isEmpty();
    s.save(Fixtures.chain(DOMAIN, 1));
    assertThat(s.domains()).containsExactly(DOMAIN);
  }

  @Test
  void anotherStoreSeesChangesThroughTheGeneration() {
    JsonSnapshotStore a = store();
    JsonSnapshotStore b = store();
    a.save(Fixtures.chain(DOMAIN, 2));
    assertThat(b.load(DOMAIN)).isEqualTo(Fixtures.chain(DOMAIN, 2));
    a.save(Fixtures.create(a.load(DOMAIN), "x", 9));
    assertThat(b.load(DOMAIN).tree().contains("x")).isTrue();
  }

  @Test
  void otherDomainsAreIndependent() throws Exception {
    JsonSnapshotStore s = store();
    UUID other = UUID.randomUUID();
    s.save(Fixtures.chain(DOMAIN, 2));
    s.save(Fixtures.chain(other, 3));
    assertThat(s.domains()).containsExactlyInAnyOrder(DOMAIN, other);
    assertThat(store().load(other).snapshots()).hasSize(3);
    assertThat(Files.readString(s.snapshotFile(other, "s0"), StandardCharsets.UTF_8)).contains("\"s1\"");
  }

  @Test
  void snapshotsKeepTheirFields() {
    Snapshot rich = Fixtures.rich("r", Optional.empty(), List.of());
    JsonSnapshotStore s = store();
    s.save(new DomainMetadata(DOMAIN, List.of(rich), Optional.empty(), Set.of()));
    assertThat(store().load(DOMAIN).snapshots()).containsExactly(rich);
  }
}
