package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery from the journals a crash can leave, written by hand in the journal's format (the one
 * older versions write too): a journal one generation ahead of the domain record (committed, not
 * applied), one of the domain record's own generation (committed and applied, or applied but for
 * records whose renames a power loss undid, while the domain record's survived), and a stale one.
 * Each is recovered on open, and by an instance that had the domain cached, on its next load.
 */
class JournalRecoveryTest {
  @TempDir Path tmp;
  private final ObjectMapper json = new ObjectMapper();

  private final DomainMetadata before = Fixtures.chain(DOMAIN, 3);
  private final DomainMetadata after = Fixtures.create(before, "new", 9);
  /** The files the create writes: the parent's record, the new record, the domain record. */
  private final List<String> changed = List.of("snapshotdata-s2.libxl-json", "snapshotdata-new.libxl-json",
      JsonSnapshotStore.DOMAIN_FILE);

  /** A domain at {@code before}, and the files of {@code after}, read from a store that saved it. */
  private record Setup(JsonSnapshotStore store, Path dir, ObjectNode journal, long afterGeneration) {}

  private Setup setUp(String label) throws Exception {
    JsonSnapshotStore model = JsonSnapshotStore.open(tmp.resolve(label + "-model"));
    model.save(before);
    model.save(after);
    Path modelDir = model.dataDirectory(DOMAIN);
    ObjectNode record = (ObjectNode) json.readTree(modelDir.resolve(JsonSnapshotStore.DOMAIN_FILE).toFile());
    long generation = record.get("generation").asLong();
    ObjectNode journal = json.createObjectNode();
    journal.put("format_version", 1);
    journal.put("domain", DOMAIN.toString());
    journal.put("generation", generation);
    ObjectNode write = journal.putObject("write");
    for (String f : changed) {
      write.set(f, json.readTree(modelDir.resolve(f).toFile()));
    }
    journal.putArray("delete");
    JsonSnapshotStore s = JsonSnapshotStore.open(tmp.resolve(label));
    s.save(before);
    assertThat(s.load(DOMAIN)).isEqualTo(before); // cached at before's generation
    return new Setup(s, s.dataDirectory(DOMAIN), journal, generation);
  }

  private void writeJournal(Setup s) throws Exception {
    Files.write(s.dir().resolve(JsonSnapshotStore.JOURNAL_FILE), json.writeValueAsBytes(s.journal()));
  }

  private void writeApplied(Setup s, String file) throws Exception {
    JsonNode content = s.journal().get("write").get(file);
    Files.write(s.dir().resolve(file), json.writeValueAsBytes(content));
  }

  private void assertRecoveredTo(Setup s, DomainMetadata expected) {
    Path journal = s.dir().resolve(JsonSnapshotStore.JOURNAL_FILE);
    assertThat(s.store().load(DOMAIN)).as("the instance that had the domain cached").isEqualTo(expected);
    assertThat(journal).doesNotExist();
    JsonSnapshotStore reopened = JsonSnapshotStore.open(s.dir().getParent());
    assertThat(reopened.load(DOMAIN)).isEqualTo(expected);
    assertThat(reopened.check(DOMAIN)).isEmpty();
    // and the domain goes on
    DomainMetadata next = Fixtures.create(expected, "next", 99);
    reopened.save(next);
    assertThat(JsonSnapshotStore.open(s.dir().getParent()).load(DOMAIN)).isEqualTo(next);
  }

  @Test
  void aJournalOneGenerationAheadIsApplied() throws Exception {
    Setup s = setUp("ahead");
    writeJournal(s);
    assertRecoveredTo(s, after);
  }

  @Test
  void aJournalOneGenerationAheadIsAppliedWhenSomeOfItsRecordsAreThereAlready() throws Exception {
    Setup s = setUp("ahead-partly");
    writeJournal(s);
    writeApplied(s, "snapshotdata-new.libxl-json");
    assertRecoveredTo(s, after);
  }

  @Test
  void aJournalOfTheDomainRecordsGenerationWhoseRecordsWereLostIsAppliedAgain() throws Exception {
    // a power loss kept the rename of the domain record and the journal, not the records'
    Setup s = setUp("equal-lost");
    writeJournal(s);
    writeApplied(s, JsonSnapshotStore.DOMAIN_FILE);
    assertRecoveredTo(s, after);
  }

  @Test
  void aJournalOfTheDomainRecordsGenerationWhoseRecordsWereLostInPartIsAppliedAgain() throws Exception {
    Setup s = setUp("equal-part");
    writeJournal(s);
    writeApplied(s, JsonSnapshotStore.DOMAIN_FILE);
    writeApplied(s, "snapshotdata-s2.libxl-json");
    assertRecoveredTo(s, after);
  }

  @Test
  void aJournalOfTheDomainRecordsGenerationWhollyAppliedIsRemoved() throws Exception {
    // its removal failed, or a crash undid it
    Setup s = setUp("equal-applied");
    writeJournal(s);
    for (String f : changed) {
      writeApplied(s, f);
    }
    assertRecoveredTo(s, after);
  }

  @Test
  void aStaleJournalIsRemovedWithoutBeingApplied() throws Exception {
    Setup s = setUp("stale");
    long current = json.readTree(s.dir().resolve(JsonSnapshotStore.DOMAIN_FILE).toFile()).get("generation").asLong();
    s.journal().put("generation", current - 1);
    writeJournal(s);
    assertRecoveredTo(s, before);
    assertThat(s.dir().resolve("snapshotdata-new.libxl-json")).doesNotExist();
  }
}
