package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.internal.FileOps;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulates a crash at every step of a commit (the process stops there: files stay as they are, no
 * undo runs), then opens the store afresh: it must read as wholly before or wholly after the save,
 * and {@code check} must find nothing. Three kinds of crash points: the commit's named steps
 * ({@code onCommitStep}), every call the save makes through {@link FileOps}, and the same calls with a
 * power loss, which also loses any of the renames and removals not yet forced by a directory fsync.
 */
class CrashPointTest {
  @TempDir Path tmp;

  /** Thrown at a step to stop the commit there, as a crash would. */
  private static final class Crash extends Error {
    private static final long serialVersionUID = 1L;

    Crash(String step) {
      super("crash at " + step, null, false, false);
    }
  }

  private static List<String> stepsOf(Path root, DomainMetadata before, DomainMetadata after) {
    JsonSnapshotStore s = JsonSnapshotStore.open(root);
    s.save(before);
    List<String> steps = new ArrayList<>();
    s.onCommitStep(steps::add);
    s.save(after);
    return steps;
  }

  private void crashEverywhere(String label, DomainMetadata before, DomainMetadata after) {
    List<String> steps = stepsOf(tmp.resolve(label + "-probe"), before, after);
    assertThat(steps).hasSizeGreaterThan(3)
        .containsSubsequence("before-journal", "temporaries", "forced", "journal", "record", "directory");
    int commit = steps.indexOf("journal"); // reached once the journal's rename is durable
    for (int i = 0; i < steps.size(); i++) {
      String at = steps.get(i);
      Path root = tmp.resolve(label + "-" + i);
      JsonSnapshotStore s = JsonSnapshotStore.open(root);
      s.save(before);
      s.onCommitStep(step -> {
        if (step.equals(at)) {
          throw new Crash(step);
        }
      });
      assertThatThrownBy(() -> s.save(after)).isInstanceOf(Crash.class);
      // before the journal's rename nothing happened; from it on the change is committed
      assertRecovered(root, i < commit ? before : after, "crash at " + at);
    }
  }

  private static void assertRecovered(Path root, DomainMetadata expected, String at) {
    JsonSnapshotStore reopened = JsonSnapshotStore.open(root);
    DomainMetadata seen = reopened.load(DOMAIN);
    assertThat(seen).as(at).isEqualTo(expected);
    assertThat(reopened.check(DOMAIN)).as(at).isEmpty();
    assertThat(reopened.dataDirectory(DOMAIN).resolve(JsonSnapshotStore.JOURNAL_FILE)).as(at).doesNotExist();
    assertThat(JsonSnapshotStore.open(root).load(DOMAIN)).as(at).isEqualTo(expected);
  }

  /**
   * {@link FileOps} that crash before a chosen call; after a crash (or at any moment, by
   * {@link #loseUnforced}) they can undo any of the renames and removals made since the last directory
   * fsync, as a power loss may, in any combination: the file system orders nothing that was not forced.
   * The data of files is always forced here before a rename, as the store does.
   */
  private static final class CrashingFileOps implements FileOps {
    /** A rename or removal not yet forced: what undoing it puts back. */
    private record Unforced(String call, @Nullable Path source, Path target, byte @Nullable [] previous) {}

    private final List<String> calls = new ArrayList<>();
    private final List<Unforced> unforced = new ArrayList<>();
    private int crashAt = -1;

    synchronized void arm(int call) {
      crashAt = call;
      calls.clear();
    }

    synchronized List<String> calls() {
      return List.copyOf(calls);
    }

    /** The renames and removals not yet forced, in order. */
    synchronized List<String> unforced() {
      return unforced.stream().map(Unforced::call).toList();
    }

    private synchronized void next(String call) {
      if (calls.size() == crashAt) {
        throw new Crash(call);
      }
      calls.add(call);
    }

    private static byte @Nullable [] contentOf(Path file) throws IOException {
      return Files.exists(file) ? Files.readAllBytes(file) : null;
    }

    /** Undoes the unforced changes whose bits are set in {@code lost}, the latest first. */
    synchronized void loseUnforced(int lost) throws IOException {
      for (int i = unforced.size() - 1; i >= 0; i--) {
        if ((lost & (1 << i)) == 0) {
          continue;
        }
        Unforced u = unforced.get(i);
        if (u.source() != null && Files.exists(u.target())) {
          Files.move(u.target(), u.source()); // the rename did not reach the disk
        }
        if (u.previous() != null) {
          Files.write(u.target(), u.previous());
        }
      }
      unforced.clear();
    }

    @Override
    public void write(Path file, byte[] content) throws IOException {
      next("write " + file.getFileName());
      FileOps.SYSTEM.write(file, content);
    }

    @Override
    public void sync(Path file) throws IOException {
      next("sync " + file.getFileName());
      FileOps.SYSTEM.sync(file);
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
      next("rename " + target.getFileName());
      byte[] previous = contentOf(target);
      FileOps.SYSTEM.rename(source, target);
      synchronized (this) {
        unforced.add(new Unforced("rename " + target.getFileName(), source, target, previous));
      }
    }

    @Override
    public boolean delete(Path file) throws IOException {
      next("delete " + file.getFileName());
      byte[] previous = contentOf(file);
      boolean existed = FileOps.SYSTEM.delete(file);
      if (existed) {
        synchronized (this) {
          unforced.add(new Unforced("delete " + file.getFileName(), null, file, previous));
        }
      }
      return existed;
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
      next("syncDirectory " + directory.getFileName());
      FileOps.SYSTEM.syncDirectory(directory);
      synchronized (this) {
        unforced.clear();
      }
    }
  }

  /**
   * Crashes before each file operation of the save in turn, and also after its last; with
   * {@code powerLoss}, loses each combination of the renames and removals not forced at that moment.
   * Before the journal's rename the store must read as before; once the directory fsync after it has
   * returned, as after (the save may have returned); in between, either.
   */
  private void crashAtEveryCall(String label, DomainMetadata before, DomainMetadata after, boolean powerLoss)
      throws IOException {
    CrashingFileOps probe = new CrashingFileOps();
    JsonSnapshotStore p = JsonSnapshotStore.open(tmp.resolve(label + "-probe"), Clock.systemUTC(), probe);
    p.save(before);
    probe.arm(-1);
    p.save(after);
    List<String> calls = probe.calls();
    int rename = calls.indexOf("rename " + JsonSnapshotStore.JOURNAL_FILE);
    int durable = calls.subList(rename, calls.size()).indexOf("syncDirectory " + DOMAIN) + rename + 1;
    assertThat(rename).isPositive();
    int runs = 0;
    for (int c = 0; c <= calls.size(); c++) {
      // the unforced changes at this crash point: probed with a crash there and nothing lost
      List<Integer> losses = List.of(0);
      if (powerLoss) {
        CrashingFileOps count = new CrashingFileOps();
        JsonSnapshotStore q = JsonSnapshotStore.open(tmp.resolve(label + "-count-" + c), Clock.systemUTC(), count);
        q.save(before);
        count.arm(c);
        crashOrReturn(q, after);
        losses = losses(count.unforced().size());
      }
      for (int lost : losses) {
        Path root = tmp.resolve(label + "-" + c + "-" + lost);
        CrashingFileOps ops = new CrashingFileOps();
        JsonSnapshotStore s = JsonSnapshotStore.open(root, Clock.systemUTC(), ops);
        s.save(before);
        ops.arm(c);
        boolean returned = crashOrReturn(s, after);
        String at = (c < calls.size() ? "crash before " + calls.get(c) : "crash after the save returned")
            + " (call " + c + " of " + calls + "), losing " + lost + " of " + ops.unforced();
        ops.loseUnforced(lost);
        JsonSnapshotStore reopened = JsonSnapshotStore.open(root);
        DomainMetadata seen = reopened.load(DOMAIN);
        if (c <= rename) {
          assertThat(seen).as(at).isEqualTo(before);
        } else if (c >= durable || returned) {
          assertThat(seen).as(at).isEqualTo(after);
        } else {
          assertThat(seen).as(at).isIn(before, after);
        }
        assertRecovered(root, seen, at);
        runs++;
      }
    }
    assertThat(runs).isGreaterThan(calls.size());
  }

  /**
   * The combinations of {@code n} unforced changes to lose, as bit sets: all of them for up to 4; else
   * none, all, each one alone and all but each one.
   */
  private static List<Integer> losses(int n) {
    List<Integer> out = new ArrayList<>();
    if (n <= 4) {
      for (int m = 0; m < 1 << n; m++) {
        out.add(m);
      }
      return out;
    }
    int all = (1 << n) - 1;
    out.add(0);
    out.add(all);
    for (int i = 0; i < n; i++) {
      out.add(1 << i);
      out.add(all & ~(1 << i));
    }
    return out;
  }

  private static boolean crashOrReturn(JsonSnapshotStore s, DomainMetadata after) {
    try {
      s.save(after);
      return true;
    } catch (Crash e) {
      return false;
    }
  }

  private static DomainMetadata mergeDeleteBefore() {
    // s0 -> s1 -> {s2, x}
    DomainMetadata chain = Fixtures.chain(DOMAIN, 3);
    DomainMetadata moved = new DomainMetadata(DOMAIN, chain.snapshots(), Optional.of("s1"), chain.ownedImages());
    return Fixtures.create(moved, "x", 9);
  }

  /** Deleting s1 re-parents s2 and x. */
  private static DomainMetadata mergeDeleteAfter(DomainMetadata before) {
    List<io.github.xlsnap.core.Snapshot> kept = new ArrayList<>();
    for (var s : before.snapshots()) {
      switch (s.name()) {
        case "s0" -> kept.add(s.withRelations(Optional.empty(), List.of("s2", "x")));
        case "s1" -> { }
        default -> kept.add(s.withRelations(Optional.of("s0"), s.children()));
      }
    }
    return new DomainMetadata(DOMAIN, kept, Optional.of("x"), before.ownedImages());
  }

  @Test
  void aCreateCrashedAtAnyStepRecoversWhole() {
    DomainMetadata before = Fixtures.chain(DOMAIN, 3);
    crashEverywhere("create", before, Fixtures.create(before, "new", 9));
  }

  @Test
  void aMergeDeleteCrashedAtAnyStepRecoversWhole() {
    DomainMetadata before = mergeDeleteBefore();
    crashEverywhere("merge", before, mergeDeleteAfter(before));
  }

  @Test
  void aChildrenDeleteCrashedAtAnyStepRecoversWhole() {
    DomainMetadata before = Fixtures.chain(DOMAIN, 5);
    crashEverywhere("children", before, Fixtures.chain(DOMAIN, 2));
  }

  @Test
  void aCreateCrashedBeforeAnyFileOperationRecoversWhole() throws IOException {
    DomainMetadata before = Fixtures.chain(DOMAIN, 3);
    crashAtEveryCall("create-call", before, Fixtures.create(before, "new", 9), false);
  }

  @Test
  void aCreateCrashedByAPowerLossAtAnyPointRecoversWhole() throws IOException {
    DomainMetadata before = Fixtures.chain(DOMAIN, 3);
    crashAtEveryCall("create-power", before, Fixtures.create(before, "new", 9), true);
  }

  @Test
  void aMergeDeleteCrashedByAPowerLossAtAnyPointRecoversWhole() throws IOException {
    DomainMetadata before = mergeDeleteBefore();
    crashAtEveryCall("merge-power", before, mergeDeleteAfter(before), true);
  }

  @Test
  void aChildrenDeleteCrashedByAPowerLossAtAnyPointRecoversWhole() throws IOException {
    crashAtEveryCall("children-power", Fixtures.chain(DOMAIN, 5), Fixtures.chain(DOMAIN, 2), true);
  }
}
