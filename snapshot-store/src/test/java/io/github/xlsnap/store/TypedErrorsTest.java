package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.XlsnapIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store's I/O errors are {@link XlsnapIOException}s naming the file and the operation, never
 * {@code UncheckedIOException}s. Files where directories belong, and the fault seam, provoke them (the
 * tests run as root: permissions cannot).
 */
class TypedErrorsTest {
  @TempDir Path tmp;

  @Test
  void aRootThatIsAFileIsAnXlsnapIOExceptionNamingIt() throws Exception {
    Path file = Files.writeString(tmp.resolve("not-a-directory"), "x");
    assertThatThrownBy(() -> JsonSnapshotStore.open(file)).isInstanceOfSatisfying(XlsnapIOException.class, e -> {
      assertThat(e.file()).contains(file);
      assertThat(e.operation()).isEqualTo("open snapshot store");
    });
  }

  @Test
  void anIntentThatIsADirectoryIsAnXlsnapIOExceptionNamingIt() throws Exception {
    JsonSnapshotStore s = JsonSnapshotStore.open(tmp.resolve("root"));
    s.save(Fixtures.chain(DOMAIN, 1));
    Path intent = Files.createDirectory(s.dataDirectory(DOMAIN).resolve(JsonSnapshotStore.INTENT_FILE));
    assertThatThrownBy(() -> s.loadIntent(DOMAIN)).isInstanceOfSatisfying(XlsnapIOException.class, e -> {
      assertThat(e.file()).contains(intent);
      assertThat(e.operation()).isEqualTo("load the operation record");
    });
  }

  @Test
  void aJournalThatCannotBeWrittenIsAnXlsnapIOExceptionNamingItAndNothingIsCommitted() {
    FaultyFileOps ops = new FaultyFileOps();
    Path root = tmp.resolve("root");
    JsonSnapshotStore s = JsonSnapshotStore.open(root, Clock.systemUTC(), ops);
    s.save(Fixtures.chain(DOMAIN, 1));
    ops.arm(0);
    assertThatThrownBy(() -> s.save(Fixtures.chain(DOMAIN, 2))).isInstanceOfSatisfying(XlsnapIOException.class, e -> {
      assertThat(e.operation()).isEqualTo("write the snapshot journal");
      assertThat(e.file()).contains(s.dataDirectory(DOMAIN).resolve(JsonSnapshotStore.JOURNAL_FILE));
      assertThat(e.getMessage()).contains("injected failure of write");
    });
    assertThat(JsonSnapshotStore.open(root).load(DOMAIN)).isEqualTo(Fixtures.chain(DOMAIN, 1));
    assertThat(s.loadIntent(DOMAIN)).isEqualTo(Optional.empty());
  }

  @Test
  void aJournalThatCannotBeAppliedFailsLoadsWithAnXlsnapIOExceptionNamingIt() {
    FaultyFileOps ops = new FaultyFileOps();
    Path root = tmp.resolve("root");
    JsonSnapshotStore s = JsonSnapshotStore.open(root, Clock.systemUTC(), ops);
    s.save(Fixtures.chain(DOMAIN, 1));
    FaultyFileOps probe = new FaultyFileOps();
    JsonSnapshotStore p = JsonSnapshotStore.open(tmp.resolve("probe"), Clock.systemUTC(), probe);
    p.save(Fixtures.chain(DOMAIN, 1));
    probe.disarm();
    p.save(Fixtures.chain(DOMAIN, 2));
    int commit = probe.calls().indexOf("syncDirectory " + DOMAIN) + 1; // after the journal's rename and its fsync
    assertThat(probe.calls().get(commit - 2)).startsWith("rename xlsnap-journal");
    Integer[] all = new Integer[100];
    for (int i = 0; i < all.length; i++) {
      all[i] = commit + i; // everything after the commit
    }
    ops.arm(all);
    s.save(Fixtures.chain(DOMAIN, 2)); // committed: returns
    Path journal = s.dataDirectory(DOMAIN).resolve(JsonSnapshotStore.JOURNAL_FILE);
    assertThat(journal).exists();
    ops.arm(0); // the disk is still failing
    assertThatThrownBy(() -> s.load(DOMAIN)).isInstanceOfSatisfying(XlsnapIOException.class, e -> {
      assertThat(e.operation()).isEqualTo("apply the journal");
      assertThat(e.file()).contains(journal);
    });
    ops.arm(0);
    assertThat(s.check(DOMAIN)).anySatisfy(f -> {
      assertThat(f.kind()).isEqualTo(StoreFinding.Kind.JOURNAL_NOT_APPLIED);
      assertThat(f.detail()).startsWith(StoreFinding.IO_ERROR);
    });
    ops.disarm(); // the disk is back: the next access applies the change
    assertThat(s.load(DOMAIN)).isEqualTo(Fixtures.chain(DOMAIN, 2));
    assertThat(journal).doesNotExist();
  }
}
