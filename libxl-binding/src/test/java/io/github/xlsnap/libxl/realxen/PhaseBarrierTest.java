package io.github.xlsnap.libxl.realxen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real-xen stage's phase barrier, off Xen: it waits for its file, and does nothing unset. */
class PhaseBarrierTest {
  @TempDir Path dir;

  @AfterEach
  void clearProperties() {
    System.clearProperty(PhaseBarrier.PROPERTY);
  }

  @Test
  void waitsUntilTheFileAppearsThenReturns() throws Exception {
    Path file = dir.resolve("phase1.done");
    AtomicReference<Thread> waiter = new AtomicReference<>();
    CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
      waiter.set(Thread.currentThread());
      PhaseBarrier.await(file, Duration.ofMinutes(5));
    });
    // the waiter is parked in its poll loop (a state, not a time), or has returned, which it must not: the file
    // is not there
    while (!done.isDone() && (waiter.get() == null || waiter.get().getState() != Thread.State.TIMED_WAITING)) {
      Thread.onSpinWait();
    }
    assertThat(done).isNotDone();
    Files.writeString(file, "x");
    done.get(1, TimeUnit.MINUTES);
    assertThat(done).isCompleted();
  }

  @Test
  void aFileThatNeverAppearsFailsNamingItAfterTheLimit() {
    Path file = dir.resolve("never");
    assertThatThrownBy(() -> PhaseBarrier.await(file, Duration.ofMillis(200)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining(file.toString()).hasMessageContaining("PT0.2S");
  }

  @Test
  void theTestPlanStartsAtOnceWithoutTheProperty() throws Exception {
    // a barrier that waited here would never return: nothing creates a file
    CompletableFuture.runAsync(() -> new PhaseBarrier().testPlanExecutionStarted(null)).get(1, TimeUnit.MINUTES);
  }

  @Test
  void theTestPlanWaitsForTheFileThePropertyNames() throws Exception {
    Path awaited = dir.resolve("phase1.done");
    System.setProperty(PhaseBarrier.PROPERTY, awaited.toString());
    AtomicReference<Thread> waiter = new AtomicReference<>();
    CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
      waiter.set(Thread.currentThread());
      new PhaseBarrier().testPlanExecutionStarted(null);
    });
    while (!done.isDone() && (waiter.get() == null || waiter.get().getState() != Thread.State.TIMED_WAITING)) {
      Thread.onSpinWait();
    }
    assertThat(done).as("waiting for %s", awaited).isNotDone();
    Files.writeString(awaited, "x");
    done.get(1, TimeUnit.MINUTES);
    assertThat(done).isCompleted();
  }
}
