package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.internal.ReadCache;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The read cache ({@code xlsnap-read-cache.bin}): used for files whose identity is unchanged and
 * settled, never over a changed file, ignored when damaged, never hiding a bad file from check.
 */
class ReadCacheTest {
  @TempDir Path tmp;

  private JsonSnapshotStore store() {
    return JsonSnapshotStore.open(tmp.resolve("root"));
  }

  private Path cacheFile() {
    return store().dataDirectory(DOMAIN).resolve(ReadCache.FILE_NAME);
  }

  /** Dates every snapshot file an hour back, as files written long before a listing are. */
  private void settleFiles() throws Exception {
    FileTime old = FileTime.from(Instant.now().minusSeconds(3600));
    try (Stream<Path> files = Files.list(store().dataDirectory(DOMAIN))) {
      for (Path f : files.filter(p -> p.getFileName().toString().startsWith("snapshotdata-")).toList()) {
        Files.setLastModifiedTime(f, old);
      }
    }
  }

  /** Saves, settles the files and lets a fresh store build the cache from them. */
  private DomainMetadata savedAndCached(DomainMetadata md) throws Exception {
    store().save(md);
    settleFiles();
    assertThat(store().load(DOMAIN)).isEqualTo(md);
    assertThat(cacheFile()).exists();
    return md;
  }

  /** Replaces a file's content in place (same inode) and puts its modification time back. */
  private static void overwriteKeepingIdentity(Path file, byte[] content) throws Exception {
    FileTime mtime = Files.getLastModifiedTime(file);
    assertThat(content).hasSize((int) Files.size(file));
    Files.write(file, content);
    Files.setLastModifiedTime(file, mtime);
  }

  /** A snapshot using every field, and its child. */
  private static DomainMetadata richMetadata() {
    Snapshot base = Fixtures.rich("base", Optional.empty(), List.of("child"));
    Snapshot child = Fixtures.plain("child", Optional.of("base"), List.of(), 9);
    return new DomainMetadata(DOMAIN, List.of(base, child), Optional.of("child"), Set.of(Path.of("/img/b-1.qcow2")));
  }

  @Test
  void aFreshStoreReadsTheCachedRecordsOfUnchangedFiles() throws Exception {
    DomainMetadata md = savedAndCached(Fixtures.chain(DOMAIN, 3));
    // the cache is what is read: a change that keeps size, inode and modification time is not seen
    Path file = store().snapshotFile(DOMAIN, "s1");
    String json = Files.readString(file, StandardCharsets.UTF_8);
    overwriteKeepingIdentity(file, json.replace("2026-11-25T22:31:06", "2026-11-25T22:31:07")
        .getBytes(StandardCharsets.UTF_8));
    assertThat(store().load(DOMAIN)).isEqualTo(md);
    assertThat(store().check(DOMAIN)).isEmpty();
  }

  @Test
  void aCorruptFileBehindAnUnchangedIdentityIsStillFoundByCheck() throws Exception {
    DomainMetadata md = savedAndCached(Fixtures.chain(DOMAIN, 3));
    Path file = store().snapshotFile(DOMAIN, "s1");
    byte[] garbage = new byte[(int) Files.size(file)];
    java.util.Arrays.fill(garbage, (byte) '#');
    overwriteKeepingIdentity(file, garbage);
    // a load trusts the unchanged identity (as git trusts its index), check reads every file afresh
    assertThat(store().load(DOMAIN)).isEqualTo(md);
    assertThat(store().check(DOMAIN)).anySatisfy(f -> {
      assertThat(f.kind()).isEqualTo(StoreFinding.Kind.CORRUPT_FILE);
      assertThat(f.file()).isEqualTo(file);
    });
  }

  @Test
  void aChangedFileIsParsedAgainAndTheCacheRewritten() throws Exception {
    savedAndCached(Fixtures.chain(DOMAIN, 3));
    Path file = store().snapshotFile(DOMAIN, "s1");
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = (ObjectNode) m.readTree(file.toFile());
    o.put("description", "edited by hand");
    Files.write(file, m.writeValueAsBytes(o));
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(7200)));
    byte[] before = Files.readAllBytes(cacheFile());
    assertThat(store().load(DOMAIN).tree().get("s1").description()).isEqualTo("edited by hand");
    assertThat(Files.readAllBytes(cacheFile())).isNotEqualTo(before);
  }

  @Test
  void aFileChangedSoonAfterTheCacheWasMadeIsParsedEvenWithItsIdentityKept() throws Exception {
    // the files are fresh when the cache is made: a change within the file system's timestamp
    // granularity could keep the identity, so the cache does not vouch for them
    store().save(Fixtures.chain(DOMAIN, 3));
    assertThat(store().load(DOMAIN)).isEqualTo(Fixtures.chain(DOMAIN, 3));
    assertThat(cacheFile()).exists();
    Path file = store().snapshotFile(DOMAIN, "s1");
    String json = Files.readString(file, StandardCharsets.UTF_8);
    overwriteKeepingIdentity(file, json.replace("2026-11-25T22:31:06", "2026-11-25T22:31:07")
        .getBytes(StandardCharsets.UTF_8));
    assertThat(store().load(DOMAIN).tree().get("s1").createTime())
        .isEqualTo(Instant.parse("2026-11-25T22:31:07.123456789Z"));
  }

  @Test
  void aRemovedOrAddedFileIsSeenDespiteTheCache() throws Exception {
    savedAndCached(Fixtures.chain(DOMAIN, 3));
    // s2 removed by hand, s1 edited to match: the cache's s2 is not resurrected
    Files.delete(store().snapshotFile(DOMAIN, "s2"));
    ObjectMapper m = new ObjectMapper();
    Path s1 = store().snapshotFile(DOMAIN, "s1");
    ObjectNode o = (ObjectNode) m.readTree(s1.toFile());
    o.remove("children");
    Files.write(s1, m.writeValueAsBytes(o));
    Path record = store().dataDirectory(DOMAIN).resolve("xlsnap-domain.libxl-json");
    ObjectNode r = (ObjectNode) m.readTree(record.toFile());
    r.put("current", "s1");
    Files.write(record, m.writeValueAsBytes(r));
    assertThat(store().load(DOMAIN).tree().topologicalOrder()).containsExactly("s0", "s1");
    // a file added by hand is read: here one naming a parent that does not list it, refused
    Path extra = store().snapshotFile(DOMAIN, "x");
    Files.writeString(extra, "{\"format_version\": 1, \"name\": \"x\", \"create_time\": \"2026-01-01T00:00:00Z\","
        + " \"parent\": \"s0\"}");
    assertThatThrownBy(() -> store().load(DOMAIN)).isInstanceOf(CorruptMetadataException.class)
        .hasMessageContaining("'x'");
  }

  @Test
  void aDamagedCacheIsIgnoredAndRebuilt() throws Exception {
    DomainMetadata md = savedAndCached(Fixtures.chain(DOMAIN, 4));
    byte[] good = Files.readAllBytes(cacheFile());
    List<byte[]> damaged = List.of(new byte[0], java.util.Arrays.copyOf(good, good.length / 2),
        flipped(good, good.length / 3), "not a cache at all".getBytes(StandardCharsets.US_ASCII));
    for (byte[] bad : damaged) {
      Files.write(cacheFile(), bad);
      assertThat(store().load(DOMAIN)).isEqualTo(md);
      assertThat(Files.readAllBytes(cacheFile())).as("rebuilt").startsWith("xlsnap read cache\n".getBytes(
          StandardCharsets.US_ASCII)).hasSize(good.length);
    }
  }

  @Test
  void anotherDomainsCacheIsIgnored() throws Exception {
    UUID other = UUID.fromString("11111111-2222-4333-8444-555555555555");
    savedAndCached(Fixtures.chain(DOMAIN, 2));
    JsonSnapshotStore s = store();
    DomainMetadata mine = Fixtures.chain(other, 3);
    s.save(mine);
    Files.copy(cacheFile(), s.dataDirectory(other).resolve(ReadCache.FILE_NAME));
    assertThat(store().load(other)).isEqualTo(mine);
  }

  @Test
  void unknownFieldsAreKeptWhenARecordFromTheCacheIsRewritten() throws Exception {
    JsonSnapshotStore s = store();
    s.save(richMetadata());
    Path file = s.snapshotFile(DOMAIN, "base");
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = (ObjectNode) m.readTree(file.toFile());
    o.put("future_top", "kept");
    Files.write(file, m.writeValueAsBytes(o));
    settleFiles();
    store().load(DOMAIN); // parses base, makes the cache
    // a fresh store takes base from the cache, then rewrites it with another child
    JsonSnapshotStore fresh = store();
    DomainMetadata md = fresh.load(DOMAIN);
    DomainMetadata moved = new DomainMetadata(DOMAIN, md.snapshots(), Optional.of("base"), md.ownedImages());
    fresh.save(Fixtures.create(moved, "other", 20));
    JsonNode after = m.readTree(file.toFile());
    assertThat(after.get("children")).hasSize(2);
    assertThat(after.get("future_top").asText()).isEqualTo("kept");
  }

  @Test
  void checkAndRepairLeaveTheCacheAloneAsTheStoresOwn() throws Exception {
    savedAndCached(Fixtures.chain(DOMAIN, 3));
    assertThat(store().check(DOMAIN)).isEmpty();
    assertThat(store().repair(DOMAIN).found()).isEmpty();
    assertThat(cacheFile()).exists();
  }

  private static byte[] flipped(byte[] b, int at) {
    byte[] c = b.clone();
    c[at] ^= 0x40;
    return c;
  }
}
