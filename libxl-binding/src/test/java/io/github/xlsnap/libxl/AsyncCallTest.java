package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The cancellation state machine of {@link AsyncCall}, against a fake {@link AsyncOp} that behaves as
 * libxl would: the worker blocks "in libxl_event_wait" until the fake decides the operation ended.
 */
@Timeout(30)
class AsyncCallTest {
  private static final int ABORTED = LibxlError.ABORTED.code();
  private static final int NOTFOUND = LibxlError.NOTFOUND.code();
  private static final ThreadFactory WORKERS = r -> {
    Thread t = new Thread(r, "aoabort-test-worker");
    t.setDaemon(true);
    return t;
  };

  /**
   * A fake operation. The worker's wait ends when {@link #end} is completed; {@link #abort()} records
   * the call and runs {@link #onAbort}, which may end the operation (as libxl does).
   */
  static final class FakeOp implements AsyncOp {
    final CompletableFuture<Integer> end = new CompletableFuture<>();
    final CountDownLatch waiting = new CountDownLatch(1);
    final AtomicInteger starts = new AtomicInteger();
    final AtomicInteger aborts = new AtomicInteger();
    final AtomicBoolean awaitReturned = new AtomicBoolean();
    final AtomicReference<Thread> waiter = new AtomicReference<>();
    volatile int startRc;
    volatile Runnable onAbort = () -> {};
    volatile int abortRc;
    volatile RuntimeException abortThrows;

    @Override
    public int start() {
      starts.incrementAndGet();
      return startRc;
    }

    @Override
    public int awaitCompletion() {
      waiter.set(Thread.currentThread());
      waiting.countDown();
      int rc = end.join();
      awaitReturned.set(true);
      return rc;
    }

    @Override
    public int abort() {
      aborts.incrementAndGet();
      onAbort.run();
      if (abortThrows != null) {
        throw abortThrows;
      }
      return abortRc;
    }
  }

  /** Runs {@link AsyncCall#run} on a thread of its own, so that the test can interrupt it. */
  static final class Caller {
    final Thread thread;
    final CompletableFuture<AsyncCall.Outcome> outcome = new CompletableFuture<>();
    final AtomicBoolean interruptedAfter = new AtomicBoolean();
    final AtomicBoolean awaitReturnedBeforeRun = new AtomicBoolean();

    Caller(FakeOp op, Duration timeout) {
      thread = new Thread(() -> {
        try {
          AsyncCall.Outcome o = AsyncCall.run(op, timeout, WORKERS);
          awaitReturnedBeforeRun.set(!o.started() || op.awaitReturned.get());
          interruptedAfter.set(Thread.currentThread().isInterrupted());
          outcome.complete(o);
        } catch (Throwable t) {
          outcome.completeExceptionally(t);
        }
      }, "aoabort-test-caller");
      thread.start();
    }

    AsyncCall.Outcome outcome() throws Exception {
      return outcome.get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void completesNormallyWithoutAnAbort() throws Exception {
    FakeOp op = new FakeOp();
    Caller caller = new Caller(op, null);
    assertThat(op.waiting.await(10, TimeUnit.SECONDS)).isTrue();

    op.end.complete(0);
    AsyncCall.Outcome o = caller.outcome();

    assertThat(o.rc()).isZero();
    assertThat(o.started()).isTrue();
    assertThat(o.completed()).isTrue();
    assertThat(o.cancelled()).isFalse();
    assertThat(o.interrupted()).isFalse();
    assertThat(op.aborts).hasValue(0);
    assertThat(op.waiter.get()).as("the wait runs on a worker, not the caller").isNotSameAs(caller.thread);
  }

  @Test
  void aFailureReportedByLibxlIsTheOutcomeNotACancellation() throws Exception {
    FakeOp op = new FakeOp();
    Caller caller = new Caller(op, null);
    assertThat(op.waiting.await(10, TimeUnit.SECONDS)).isTrue();

    op.end.complete(LibxlError.FAIL.code());

    assertThat(caller.outcome().rc()).isEqualTo(LibxlError.FAIL.code());
    assertThat(caller.outcome().cancelled()).isFalse();
    assertThat(op.aborts).hasValue(0);
  }

  @Test
  void interruptedAbortsThenWaitsForTheEndWhichIsAborted() throws Exception {
    FakeOp op = new FakeOp();
    op.onAbort = () -> CompletableFuture.runAsync(() -> {
      sleep(300); // libxl takes a while to stop the save helper
      op.end.complete(ABORTED);
    });
    Caller caller = new Caller(op, null);
    assertThat(op.waiting.await(10, TimeUnit.SECONDS)).isTrue();

    caller.thread.interrupt();
    AsyncCall.Outcome o = caller.outcome();

    assertThat(op.aborts).hasValue(1);
    assertThat(o.rc()).isEqualTo(ABORTED);
    assertThat(o.completed()).isTrue();
    assertThat(o.cancelled()).isTrue();
    assertThat(o.cancellation()).isEqualTo("interrupted");
    assertThat(o.interrupted()).isTrue();
    assertThat(o.abortRc()).hasValue(0);
    assertThat(caller.awaitReturnedBeforeRun).as("run returned only after libxl ended the operation").isTrue();
    assertThat(caller.interruptedAfter).as("cleared until the caller's cleanup is done").isFalse();
    assertThat(o.describeCancellation()).isEqualTo("interrupted; libxl_ao_abort returned 0");
  }

  @Test
  void restoreInterruptSetsTheStatusAgain() throws Exception {
    FakeOp op = new FakeOp();
    op.onAbort = () -> op.end.complete(ABORTED);
    AtomicBoolean after = new AtomicBoolean();
    Thread t = new Thread(() -> {
      Thread.currentThread().interrupt(); // already interrupted when the call begins
      AsyncCall.Outcome o = AsyncCall.run(op, null, WORKERS);
      o.restoreInterrupt();
      after.set(Thread.currentThread().isInterrupted());
    });
    t.start();
    t.join(10_000);

    assertThat(after).isTrue();
  }

  @Test
  void anInterruptBeforeTheStartDoesNotStartTheOperation() throws Exception {
    FakeOp op = new FakeOp();
    AtomicReference<AsyncCall.Outcome> outcome = new AtomicReference<>();
    Thread t = new Thread(() -> {
      Thread.currentThread().interrupt();
      outcome.set(AsyncCall.run(op, null, WORKERS));
    });
    t.start();
    t.join(10_000);

    AsyncCall.Outcome o = outcome.get();
    assertThat(op.starts).hasValue(0);
    assertThat(op.aborts).hasValue(0);
    assertThat(o.started()).isFalse();
    assertThat(o.cancelled()).isTrue();
    assertThat(o.interrupted()).isTrue();
    assertThat(o.rc()).isEqualTo(ABORTED);
    assertThat(o.describeCancellation()).isEqualTo("interrupted before it started");
  }

  @Test
  void completesSuccessfullyDespiteAnAbortRacingIt() throws Exception {
    FakeOp op = new FakeOp();
    // the operation finished just before the abort request reached libxl: NOTFOUND, result 0
    op.onAbort = () -> op.end.complete(0);
    op.abortRc = NOTFOUND;
    Caller caller = new Caller(op, null);
    assertThat(op.waiting.await(10, TimeUnit.SECONDS)).isTrue();

    caller.thread.interrupt();
    AsyncCall.Outcome o = caller.outcome();

    assertThat(o.rc()).as("libxl's result stands").isZero();
    assertThat(o.completed()).isTrue();
    assertThat(o.cancelled()).isTrue();
    assertThat(o.interrupted()).isTrue();
    assertThat(o.abortRc()).hasValue(NOTFOUND);
    assertThat(op.aborts).hasValue(1);
  }

  @Test
  void anAbortThatFailsStillWaitsForTheEnd() throws Exception {
    FakeOp op = new FakeOp();
    op.abortThrows = new IllegalStateException("simulated failure of libxl_ao_abort");
    Caller caller = new Caller(op, null);
    assertThat(op.waiting.await(10, TimeUnit.SECONDS)).isTrue();

    caller.thread.interrupt();
    sleep(500);
    assertThat(caller.outcome).as("no return while libxl still runs the operation").isNotDone();
    assertThat(op.aborts).hasValue(1);
    op.end.complete(0); // the operation then ran to its end
    AsyncCall.Outcome o = caller.outcome();

    assertThat(o.rc()).isZero();
    assertThat(o.abortRc()).isEmpty();
    assertThat(o.cancelled()).isTrue();
    assertThat(caller.awaitReturnedBeforeRun).isTrue();
    assertThat(o.describeCancellation()).contains("nothing (it failed)");
  }

  @Test
  void aSecondInterruptWhileWaitingForTheAbortedEndIsAbsorbed() throws Exception {
    FakeOp op = new FakeOp();
    CountDownLatch aborted = new CountDownLatch(1);
    op.onAbort = aborted::countDown;
    Caller caller = new Caller(op, null);
    assertThat(op.waiting.await(10, TimeUnit.SECONDS)).isTrue();

    caller.thread.interrupt();
    assertThat(aborted.await(10, TimeUnit.SECONDS)).isTrue();
    caller.thread.interrupt();
    sleep(300);
    assertThat(caller.outcome).isNotDone();
    op.end.complete(ABORTED);
    AsyncCall.Outcome o = caller.outcome();

    assertThat(op.aborts).as("abort is asked once").hasValue(1);
    assertThat(o.rc()).isEqualTo(ABORTED);
    assertThat(o.interrupted()).isTrue();
    assertThat(caller.awaitReturnedBeforeRun).isTrue();
  }

  @Test
  void theTimeoutAbortsWithoutAnInterrupt() throws Exception {
    FakeOp op = new FakeOp();
    op.onAbort = () -> op.end.complete(ABORTED);
    Caller caller = new Caller(op, Duration.ofMillis(200));

    AsyncCall.Outcome o = caller.outcome();

    assertThat(op.aborts).hasValue(1);
    assertThat(o.rc()).isEqualTo(ABORTED);
    assertThat(o.cancellation()).isEqualTo("timed out after PT0.2S");
    assertThat(o.interrupted()).isFalse();
    assertThat(caller.interruptedAfter).isFalse();
  }

  @Test
  void anOperationThatEndsWithinTheTimeoutIsNotAborted() throws Exception {
    FakeOp op = new FakeOp();
    Caller caller = new Caller(op, Duration.ofSeconds(20));
    assertThat(op.waiting.await(10, TimeUnit.SECONDS)).isTrue();

    op.end.complete(0);

    assertThat(caller.outcome().rc()).isZero();
    assertThat(caller.outcome().cancelled()).isFalse();
    assertThat(op.aborts).hasValue(0);
  }

  @Test
  void anOperationThatFailsToStartIsNeitherAwaitedNorAborted() throws Exception {
    FakeOp op = new FakeOp();
    op.startRc = LibxlError.INVAL.code();

    AsyncCall.Outcome o = new Caller(op, null).outcome();

    assertThat(o.rc()).isEqualTo(LibxlError.INVAL.code());
    assertThat(o.started()).isFalse();
    assertThat(o.cancelled()).isFalse();
    assertThat(op.waiting.getCount()).as("no wait for an event that will not come").isEqualTo(1);
    assertThat(op.aborts).hasValue(0);
  }

  @Test
  void aFailingWaitIsALostOperationNotACompletion() throws Exception {
    FakeOp op = new FakeOp();
    Caller caller = new Caller(op, null);
    assertThat(op.waiting.await(10, TimeUnit.SECONDS)).isTrue();

    op.end.completeExceptionally(new IllegalStateException("simulated JNR failure"));
    AsyncCall.Outcome o = caller.outcome();

    assertThat(o.completed()).as("the buffers must then be kept").isFalse();
    assertThat(o.started()).isTrue();
    assertThat(o.rc()).isEqualTo(LibxlError.FAIL.code());
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
