package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.XlsnapIOException;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * I/O errors injected at every step of a save and of an intent's save, after square/tape's
 * {@code QueueFile} tests: a call that threw committed nothing, a call that returned committed, and
 * the same store instance, not only a reopened one, reads accordingly and goes on working. An error
 * after the commit point never makes the caller roll back a change that later reappears.
 */
class IoFaultTest {
  @TempDir Path tmp;
  private final AtomicInteger roots = new AtomicInteger();

  private Path newRoot() {
    return tmp.resolve("root-" + roots.incrementAndGet());
  }

  private static List<String> temporaryFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".tmp")).toList();
    }
  }

  /** How many file operations {@code change} makes on a store that did {@code setUp}. */
  private int stepsOf(Consumer<JsonSnapshotStore> setUp, Consumer<JsonSnapshotStore> change) {
    FaultyFileOps ops = new FaultyFileOps();
    JsonSnapshotStore s = JsonSnapshotStore.open(newRoot(), Clock.systemUTC(), ops);
    setUp.accept(s);
    ops.disarm();
    change.accept(s);
    return ops.calls().size();
  }

  /** Fails each step of a save in turn; returns how many saves threw. */
  private int failEachStepOfASave(DomainMetadata before, DomainMetadata after) throws Exception {
    int steps = stepsOf(s -> s.save(before), s -> s.save(after));
    assertThat(steps).isGreaterThan(5);
    int threw = 0;
    for (int i = 0; i < steps; i++) {
      Path root = newRoot();
      FaultyFileOps ops = new FaultyFileOps();
      JsonSnapshotStore s = JsonSnapshotStore.open(root, Clock.systemUTC(), ops);
      s.save(before);
      s.load(DOMAIN); // the instance has the old state cached
      ops.arm(i);
      boolean returned;
      try {
        s.save(after);
        returned = true;
      } catch (XlsnapIOException e) {
        returned = false;
        threw++;
        assertThat(e.file()).as("step %d", i).isPresent();
      }
      String at = "failure at step " + i + " of " + ops.calls() + (returned ? ", returned" : ", threw");
      ops.disarm();
      DomainMetadata expected = returned ? after : before;
      assertThat(s.load(DOMAIN)).as("same instance, %s", at).isEqualTo(expected);
      JsonSnapshotStore fresh = JsonSnapshotStore.open(root);
      assertThat(fresh.load(DOMAIN)).as("fresh store, %s", at).isEqualTo(expected);
      assertThat(temporaryFiles(fresh.dataDirectory(DOMAIN))).as(at).isEmpty();
      assertThat(fresh.check(DOMAIN)).as(at).isEmpty();
      DomainMetadata next = Fixtures.create(expected, "next", 99);
      s.save(next);
      assertThat(s.load(DOMAIN)).as("the next save, %s", at).isEqualTo(next);
      assertThat(JsonSnapshotStore.open(root).load(DOMAIN)).as(at).isEqualTo(next);
    }
    return threw;
  }

  @Test
  void aCreateFailingAtAnyIoStepIsWholeOrAbsentOnTheSameInstance() throws Exception {
    DomainMetadata before = Fixtures.chain(DOMAIN, 3);
    int threw = failEachStepOfASave(before, Fixtures.create(before, "new", 9));
    assertThat(threw).as("the steps up to the commit throw").isGreaterThanOrEqualTo(4);
  }

  @Test
  void aMergeDeleteFailingAtAnyIoStepIsWholeOrAbsentOnTheSameInstance() throws Exception {
    DomainMetadata chain = Fixtures.chain(DOMAIN, 3);
    DomainMetadata before = Fixtures.create(new DomainMetadata(DOMAIN, chain.snapshots(), Optional.of("s1"),
        chain.ownedImages()), "x", 9);
    List<Snapshot> kept = new ArrayList<>();
    for (Snapshot s : before.snapshots()) {
      switch (s.name()) {
        case "s0" -> kept.add(s.withRelations(Optional.empty(), List.of("s2", "x")));
        case "s1" -> { }
        default -> kept.add(s.withRelations(Optional.of("s0"), s.children()));
      }
    }
    failEachStepOfASave(before, new DomainMetadata(DOMAIN, kept, Optional.of("x"), before.ownedImages()));
  }

  @Test
  void aDirectoryFsyncFailureAtTheCommitUndoesItAndThrows() {
    DomainMetadata before = Fixtures.chain(DOMAIN, 2);
    DomainMetadata after = Fixtures.create(before, "new", 9);
    FaultyFileOps ops = new FaultyFileOps();
    Path root = newRoot();
    JsonSnapshotStore s = JsonSnapshotStore.open(root, Clock.systemUTC(), ops);
    s.save(before);
    ops.disarm();
    s.save(after);
    int commitFsync = ops.calls().indexOf("syncDirectory " + DOMAIN);
    assertThat(ops.calls().subList(0, commitFsync)).last().asString().startsWith("rename xlsnap-journal");

    Path other = newRoot();
    JsonSnapshotStore t = JsonSnapshotStore.open(other, Clock.systemUTC(), ops);
    t.save(before);
    ops.arm(commitFsync);
    assertThatThrownBy(() -> t.save(after)).isInstanceOfSatisfying(XlsnapIOException.class, e -> {
      assertThat(e.operation()).isEqualTo("fsync directory");
      assertThat(e.file()).contains(t.dataDirectory(DOMAIN));
    });
    assertThat(t.dataDirectory(DOMAIN).resolve(JsonSnapshotStore.JOURNAL_FILE)).doesNotExist();
    assertThat(JsonSnapshotStore.open(other).load(DOMAIN)).isEqualTo(before);
  }

  @Test
  void aCommitWhoseDirectoryFsyncAndUndoBothFailStandsAndReturns() {
    DomainMetadata before = Fixtures.chain(DOMAIN, 2);
    DomainMetadata after = Fixtures.create(before, "new", 9);
    FaultyFileOps ops = new FaultyFileOps();
    JsonSnapshotStore probe = JsonSnapshotStore.open(newRoot(), Clock.systemUTC(), ops);
    probe.save(before);
    ops.disarm();
    probe.save(after);
    int commitFsync = ops.calls().indexOf("syncDirectory " + DOMAIN);

    Path root = newRoot();
    JsonSnapshotStore s = JsonSnapshotStore.open(root, Clock.systemUTC(), ops);
    s.save(before);
    ops.arm(commitFsync, commitFsync + 1); // the fsync, then the undo's removal of the journal
    s.save(after);
    assertThat(ops.calls().get(commitFsync + 1)).startsWith("delete xlsnap-journal");
    ops.disarm();
    assertThat(s.load(DOMAIN)).isEqualTo(after);
    assertThat(JsonSnapshotStore.open(root).load(DOMAIN)).isEqualTo(after);
  }

  /** Fails each step of a change to the intent in turn. */
  private void failEachStepOfAnIntentSave(Optional<String> before, Optional<String> after) throws Exception {
    Consumer<JsonSnapshotStore> setUp = s -> {
      s.save(Fixtures.chain(DOMAIN, 1));
      s.saveIntent(DOMAIN, before);
    };
    int steps = stepsOf(setUp, s -> s.saveIntent(DOMAIN, after));
    assertThat(steps).isGreaterThan(0);
    for (int i = 0; i < steps; i++) {
      Path root = newRoot();
      FaultyFileOps ops = new FaultyFileOps();
      JsonSnapshotStore s = JsonSnapshotStore.open(root, Clock.systemUTC(), ops);
      setUp.accept(s);
      ops.arm(i);
      boolean returned;
      try {
        s.saveIntent(DOMAIN, after);
        returned = true;
      } catch (XlsnapIOException e) {
        returned = false;
      }
      String at = "failure at step " + i + " of " + ops.calls() + (returned ? ", returned" : ", threw");
      ops.disarm();
      Optional<String> expected = returned ? after : before;
      assertThat(s.loadIntent(DOMAIN)).as("same instance, %s", at).isEqualTo(expected);
      JsonSnapshotStore fresh = JsonSnapshotStore.open(root);
      assertThat(fresh.loadIntent(DOMAIN)).as("fresh store, %s", at).isEqualTo(expected);
      assertThat(temporaryFiles(fresh.dataDirectory(DOMAIN))).as(at).isEmpty();
      s.saveIntent(DOMAIN, Optional.of("next"));
      assertThat(s.loadIntent(DOMAIN)).as(at).contains("next");
      s.saveIntent(DOMAIN, Optional.empty());
      assertThat(JsonSnapshotStore.open(root).loadIntent(DOMAIN)).as(at).isEmpty();
    }
  }

  @Test
  void settingAnIntentFailingAtAnyIoStepIsWholeOrAbsent() throws Exception {
    failEachStepOfAnIntentSave(Optional.empty(), Optional.of("operation=CREATE\nsnapshot=a\n"));
  }

  @Test
  void replacingAnIntentFailingAtAnyIoStepLeavesTheOldOrTheNew() throws Exception {
    failEachStepOfAnIntentSave(Optional.of("operation=CREATE\nsnapshot=a\n"), Optional.of("operation=CREATE\nsnapshot=b\n"));
  }

  @Test
  void clearingAnIntentFailingAtAnyIoStepLeavesItOrClearsIt() throws Exception {
    failEachStepOfAnIntentSave(Optional.of("operation=DELETE\nsnapshot=a\n"), Optional.empty());
  }

  @Test
  void randomSavesWithRandomFaultsAlwaysReadAsTheLastSaveThatReturned() {
    // each element: the index of the file operation to fail in one save, or a negative for none
    qt().withExamples(25).forAll(lists().of(integers().between(-8, 24)).ofSizeBetween(1, 6)).checkAssert(faults -> {
      Path root = newRoot();
      FaultyFileOps ops = new FaultyFileOps();
      JsonSnapshotStore s = JsonSnapshotStore.open(root, Clock.systemUTC(), ops);
      DomainMetadata model = DomainMetadata.empty(DOMAIN);
      for (int k = 0; k < faults.size(); k++) {
        DomainMetadata next = k % 3 == 2 && model.snapshots().size() > 1
            ? StoreChildProcess.deleteLeaf(model, model.tree().leaves().get(0))
            : Fixtures.create(model, "s" + k, k);
        ops.arm(faults.get(k));
        try {
          s.save(next);
          model = next;
        } catch (XlsnapIOException e) {
          // nothing committed: the model stays
        }
        ops.disarm();
        assertThat(s.load(DOMAIN)).as("after save %d of %s", k, faults).isEqualTo(model);
      }
      assertThat(JsonSnapshotStore.open(root).load(DOMAIN)).as("%s", faults).isEqualTo(model);
    });
  }
}
