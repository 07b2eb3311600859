package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.InvalidSnapshotSpecException;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.SnapshotNames;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.StoreFinding.Kind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file name made from a snapshot's name fits {@code NAME_MAX}: a name that would not is refused
 * before anything is written, and a journal an older version wrote with such a name stops only its own
 * domain, until repair sets it aside.
 */
class NameBudgetTest {
  @TempDir Path tmp;
  private final ObjectMapper json = new ObjectMapper();

  private Path root() {
    return tmp.resolve("root");
  }

  @Test
  void theLongestNameSavesAndReloadsAndOneByteMoreIsRefusedBeforeAnythingIsWritten() {
    String longest = "a".repeat(SnapshotNames.MAX_BYTES);
    JsonSnapshotStore s = JsonSnapshotStore.open(root());
    DomainMetadata md = Fixtures.create(Fixtures.chain(DOMAIN, 1), longest, 5);
    s.save(md);
    assertThat(JsonSnapshotStore.open(root()).load(DOMAIN)).isEqualTo(md);
    assertThatThrownBy(() -> Fixtures.create(md, longest + "b", 6)).isInstanceOf(InvalidSnapshotSpecException.class)
        .hasMessageContaining("227 bytes").hasMessageContaining(Integer.toString(SnapshotNames.MAX_BYTES));
    assertThat(s.dataDirectory(DOMAIN).resolve(JsonSnapshotStore.JOURNAL_FILE)).doesNotExist();
  }

  @Test
  void aManagerRefusesANameOverTheBudgetAndTheDomainStaysUsable() {
    try (SimulatedHypervisor host = SimulatedHypervisor.open(tmp.resolve("host"))) {
      UUID uuid = host.createDomain(SimDomainSpec.of("vm", SimulatedHypervisor.PAGE_SIZE)).uuid();
      JsonSnapshotStore store = JsonSnapshotStore.open(root());
      SnapshotManager manager = SnapshotManager.builder(host, store).build();
      DomainSelector vm = DomainSelector.parse("vm");
      manager.create(vm, CreateSpec.builder().name("base").memory(false).build());
      // 230 bytes passed the old 255-byte check, then failed on the store's temporary file after the commit
      assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().name("a".repeat(230)).memory(false).build()))
          .isInstanceOf(InvalidSnapshotSpecException.class);
      assertThat(store.dataDirectory(uuid).resolve(JsonSnapshotStore.JOURNAL_FILE)).doesNotExist();
      assertThat(JsonSnapshotStore.open(root()).load(uuid).tree().topologicalOrder()).containsExactly("base");
      assertThat(store.check(uuid)).isEmpty();
    }
  }

  /**
   * What an older version left after {@code snapshot-create --name <240 x 'a'>}: the journal of the
   * create, committed, and the parent's file already rewritten to list the new child, then the
   * child's temporary file failed with "File name too long".
   */
  private Path olderVersionsFailedCreate(JsonSnapshotStore s, String longName) throws Exception {
    s.save(Fixtures.chain(DOMAIN, 2));
    Path dir = s.dataDirectory(DOMAIN);
    ObjectNode parent = (ObjectNode) json.readTree(s.snapshotFile(DOMAIN, "s1").toFile());
    parent.set("children", json.createArrayNode().add(longName));
    ObjectNode child = (ObjectNode) json.readTree(s.snapshotFile(DOMAIN, "s0").toFile());
    child.put("name", longName);
    child.put("parent", "s1");
    child.remove("children");
    ObjectNode record = (ObjectNode) json.readTree(dir.resolve(JsonSnapshotStore.DOMAIN_FILE).toFile());
    long generation = record.get("generation").asLong() + 1;
    record.put("generation", generation);
    record.put("current", longName);
    ObjectNode journal = json.createObjectNode();
    journal.put("format_version", 1);
    journal.put("domain", DOMAIN.toString());
    journal.put("generation", generation);
    ObjectNode write = journal.putObject("write");
    write.set("snapshotdata-s1.libxl-json", parent);
    write.set("snapshotdata-" + longName + ".libxl-json", child);
    write.set(JsonSnapshotStore.DOMAIN_FILE, record);
    ArrayNode unused = journal.putArray("delete");
    assertThat(unused).isEmpty();
    Path journalFile = dir.resolve(JsonSnapshotStore.JOURNAL_FILE);
    Files.write(journalFile, json.writeValueAsBytes(journal));
    Files.write(s.snapshotFile(DOMAIN, "s1"), json.writeValueAsBytes(parent)); // applied before the failure
    return journalFile;
  }

  @Test
  void aJournalWithANameAnOlderVersionAllowedStopsOnlyItsDomainUntilRepairSetsItAside() throws Exception {
    String longName = "a".repeat(240);
    JsonSnapshotStore s = JsonSnapshotStore.open(root());
    UUID other = UUID.fromString("00000000-0000-4000-8000-000000000001");
    s.save(Fixtures.chain(other, 3));
    Path journal = olderVersionsFailedCreate(s, longName);

    JsonSnapshotStore reopened = JsonSnapshotStore.open(root()); // logs the domain, opens
    assertThat(reopened.load(other)).isEqualTo(Fixtures.chain(other, 3));
    assertThat(reopened.domains()).containsExactlyInAnyOrder(DOMAIN, other);
    assertThatThrownBy(() -> reopened.load(DOMAIN)).isInstanceOfSatisfying(CorruptMetadataException.class, e -> {
      assertThat(e.file()).isEqualTo(journal);
      assertThat(e.problem()).isEqualTo(CorruptMetadataException.Problem.BAD_NAME);
      assertThat(e.getMessage()).contains("240 bytes");
    });
    List<StoreFinding> found = reopened.check(DOMAIN);
    assertThat(found).anySatisfy(f -> {
      assertThat(f.kind()).isEqualTo(Kind.JOURNAL_NOT_APPLIED);
      assertThat(f.file()).isEqualTo(journal);
      assertThat(f.detail()).contains("240 bytes").contains("not applied");
      assertThat(f.repairable()).isTrue();
    });
    assertThat(journal).as("check changes nothing").exists();

    RepairReport r = reopened.repair(DOMAIN);
    assertThat(r.found()).extracting(StoreFinding::kind).contains(Kind.JOURNAL_NOT_APPLIED);
    assertThat(journal).doesNotExist();
    assertThat(r.quarantined()).anySatisfy(q -> {
      assertThat(q.getParent()).isEqualTo(s.dataDirectory(DOMAIN).resolve("quarantine"));
      assertThat(q.getFileName().toString()).startsWith(JsonSnapshotStore.JOURNAL_FILE + ".");
      assertThat(Files.readString(q)).contains(longName);
    });
    assertThat(r.remaining()).isEmpty();
    // the change is not applied: the domain is as before it, the parent's file repaired
    assertThat(JsonSnapshotStore.open(root()).load(DOMAIN)).isEqualTo(Fixtures.chain(DOMAIN, 2));
    assertThat(reopened.check(DOMAIN)).isEmpty();
    reopened.save(Fixtures.create(Fixtures.chain(DOMAIN, 2), "after", 9));
    assertThat(JsonSnapshotStore.open(root()).load(DOMAIN).tree().contains("after")).isTrue();
  }

  @Test
  void aQuarantinedFileWithALongNameGetsAShortenedUniqueName() throws Exception {
    JsonSnapshotStore s = JsonSnapshotStore.open(root());
    s.save(Fixtures.chain(DOMAIN, 1));
    Path dir = s.dataDirectory(DOMAIN);
    String name = "n".repeat(250);
    Files.writeString(dir.resolve(name), "first");
    RepairReport first = s.repair(DOMAIN);
    Files.writeString(dir.resolve(name), "second");
    RepairReport second = s.repair(DOMAIN);
    assertThat(first.quarantined()).hasSize(1);
    assertThat(second.quarantined()).hasSize(1);
    for (Path q : List.of(first.quarantined().get(0), second.quarantined().get(0))) {
      assertThat(q.getFileName().toString().getBytes(StandardCharsets.UTF_8).length)
          .isLessThanOrEqualTo(SnapshotNames.NAME_MAX);
      assertThat(q.getFileName().toString()).startsWith("nnnn");
    }
    try (Stream<Path> files = Files.list(dir.resolve("quarantine"))) {
      assertThat(files.map(f -> {
        try {
          return Files.readString(f);
        } catch (java.io.IOException e) {
          throw new AssertionError(e);
        }
      })).containsExactlyInAnyOrder("first", "second");
    }
    assertThat(JsonSnapshotStore.quarantineName("é".repeat(127), "20261125T223105.123Z", n -> false)
        .getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(SnapshotNames.NAME_MAX);
    assertThat(Optional.of(s.check(DOMAIN))).contains(List.of());
  }
}
