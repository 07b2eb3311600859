package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.spi.DomainMetadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulates a crash at every step of a commit (the process stops there: files stay as they are, no
 * undo runs), then opens the store afresh: it must read as wholly before or wholly after the save,
 * and {@code check} must find nothing.
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
    assertThat(steps).hasSizeGreaterThan(3);
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
      JsonSnapshotStore reopened = JsonSnapshotStore.open(root);
      DomainMetadata seen = reopened.load(DOMAIN);
      // before the journal's rename nothing happened; from it on the change is committed
      assertThat(seen).as("crash at %s", at).isEqualTo(at.equals("before-journal") ? before : after);
      assertThat(reopened.check(DOMAIN)).as("crash at %s", at).isEmpty();
      assertThat(reopened.dataDirectory(DOMAIN).resolve("xlsnap-journal.libxl-json")).doesNotExist();
    }
  }

  @Test
  void aCreateCrashedAtAnyStepRecoversWhole() {
    DomainMetadata before = Fixtures.chain(DOMAIN, 3);
    crashEverywhere("create", before, Fixtures.create(before, "new", 9));
  }

  @Test
  void aMergeDeleteCrashedAtAnyStepRecoversWhole() {
    // s0 -> s1 -> {s2, x}; deleting s1 re-parents s2 and x
    DomainMetadata chain = Fixtures.chain(DOMAIN, 3);
    DomainMetadata moved = new DomainMetadata(DOMAIN, chain.snapshots(), Optional.of("s1"), chain.ownedImages());
    DomainMetadata before = Fixtures.create(moved, "x", 9);
    List<io.github.xlsnap.core.Snapshot> kept = new ArrayList<>();
    for (var s : before.snapshots()) {
      switch (s.name()) {
        case "s0" -> kept.add(s.withRelations(Optional.empty(), List.of("s2", "x")));
        case "s1" -> { }
        default -> kept.add(s.withRelations(Optional.of("s0"), s.children()));
      }
    }
    crashEverywhere("merge", before, new DomainMetadata(DOMAIN, kept, Optional.of("x"), before.ownedImages()));
  }

  @Test
  void aChildrenDeleteCrashedAtAnyStepRecoversWhole() {
    DomainMetadata before = Fixtures.chain(DOMAIN, 5);
    crashEverywhere("children", before, Fixtures.chain(DOMAIN, 2));
  }
}
