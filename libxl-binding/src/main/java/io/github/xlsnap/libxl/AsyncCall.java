package io.github.xlsnap.libxl;

import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an {@link AsyncOp} so that the calling thread can cancel it: the caller starts it, a worker
 * thread waits for libxl's completion event, the caller waits for the worker. When the caller is
 * interrupted or the optional timeout passes, the caller calls {@code libxl_ao_abort} and then keeps
 * waiting, uninterruptibly, until libxl reports the end: libxl uses the operation's arguments (the
 * file descriptor, the configuration, the domid slot) until then, so they cannot be released
 * earlier. An abort racing the end is harmless: the result is then whatever libxl reports (0 if the
 * operation finished first).
 *
 * <p>The caller's interrupt status is cleared here and reported in {@link Outcome#interrupted()}; the
 * caller restores it with {@link Outcome#restoreInterrupt()} once its own cleanup is done (cleanup
 * such as emptying a file through a {@code FileChannel} would fail on an interrupted thread).
 */
final class AsyncCall {
  private static final Logger LOG = LoggerFactory.getLogger(AsyncCall.class);

  /** How often the wait after an abort logs that libxl has not finished yet. */
  static final Duration STILL_WAITING_EVERY = Duration.ofSeconds(30);

  private AsyncCall() {}

  /**
   * How an operation ended.
   *
   * @param rc the operation's result: libxl's completion code, the initiating call's code if it
   *     failed to start, {@code ERROR_ABORTED} if it was cancelled before it started, or
   *     {@code ERROR_FAIL} if the end was lost ({@code completed} false)
   * @param started whether the initiating call returned 0
   * @param completed whether libxl's end of the operation was seen (always true unless the worker
   *     failed unexpectedly: then libxl may still be using the operation's arguments, which must not
   *     be released)
   * @param cancellation why the caller cancelled it ("interrupted", "timed out after ..."), null if
   *     it did not
   * @param interrupted whether the calling thread was interrupted (before or during the call)
   * @param abortRc what {@code libxl_ao_abort} returned, empty if it was not called or threw
   */
  record Outcome(int rc, boolean started, boolean completed, @Nullable String cancellation, boolean interrupted,
      OptionalInt abortRc) {
    /**
     * Whether the caller asked for cancellation.
     *
     * @return true if interrupted or timed out before the operation ended
     */
    boolean cancelled() {
      return cancellation != null;
    }

    /** Sets the current thread's interrupt status again if the call had cleared it. */
    void restoreInterrupt() {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    /**
     * Describes the cancellation for a message.
     *
     * @return e.g. "interrupted; libxl_ao_abort returned 0"
     */
    String describeCancellation() {
      if (cancellation == null) {
        return "not cancelled";
      }
      if (!started) {
        return cancellation + " before it started";
      }
      return cancellation + "; libxl_ao_abort returned " + (abortRc.isPresent() ? abortRc.getAsInt() : "nothing (it failed)");
    }
  }

  /**
   * Runs the operation on the calling thread (start, abort) and a new worker thread (the wait).
   * Returns only once libxl has reported the end of a started operation, or the worker failed.
   *
   * @param op the operation
   * @param timeout after how long to abort it, null for never
   * @param workers makes the worker thread
   * @return how it ended
   */
  static Outcome run(AsyncOp op, @Nullable Duration timeout, ThreadFactory workers) {
    if (Thread.interrupted()) {
      return new Outcome(LibxlError.ABORTED.code(), false, false, "interrupted", true, OptionalInt.empty());
    }
    int startRc = op.start();
    if (startRc != 0) {
      return new Outcome(startRc, false, false, null, false, OptionalInt.empty());
    }
    FutureTask<Integer> completion = new FutureTask<>(op::awaitCompletion);
    workers.newThread(completion).start();
    boolean interrupted = false;
    String cancellation = null;
    try {
      if (timeout == null) {
        return completed(completion.get(), null, false, OptionalInt.empty());
      }
      return completed(completion.get(timeout.toNanos(), TimeUnit.NANOSECONDS), null, false, OptionalInt.empty());
    } catch (InterruptedException e) {
      interrupted = true;
      cancellation = "interrupted";
    } catch (TimeoutException e) {
      cancellation = "timed out after " + timeout;
    } catch (ExecutionException e) {
      return lost(e, null, false, OptionalInt.empty());
    }
    OptionalInt abortRc;
    try {
      abortRc = OptionalInt.of(op.abort());
      LOG.debug("libxl_ao_abort returned {} ({})", abortRc.getAsInt(), cancellation);
    } catch (RuntimeException e) {
      LOG.warn("libxl_ao_abort failed ({}); waiting for the operation to end by itself", cancellation, e);
      abortRc = OptionalInt.empty();
    }
    long waitedNanos = 0;
    while (true) {
      try {
        int rc = completion.get(STILL_WAITING_EVERY.toNanos(), TimeUnit.NANOSECONDS);
        return completed(rc, cancellation, interrupted, abortRc);
      } catch (InterruptedException e) {
        interrupted = true; // already cancelling: the end must still be awaited
      } catch (TimeoutException e) {
        waitedNanos += STILL_WAITING_EVERY.toNanos();
        LOG.warn("libxl has not ended the aborted operation after {} s; still waiting (its arguments are in use)",
            waitedNanos / 1_000_000_000L);
      } catch (ExecutionException e) {
        return lost(e, cancellation, interrupted, abortRc);
      }
    }
  }

  private static Outcome completed(int rc, @Nullable String cancellation, boolean interrupted, OptionalInt abortRc) {
    return new Outcome(rc, true, true, cancellation, interrupted, abortRc);
  }

  private static Outcome lost(ExecutionException e, @Nullable String cancellation, boolean interrupted,
      OptionalInt abortRc) {
    LOG.error("waiting for the end of a libxl operation failed; it may still be running, so its arguments are"
        + " kept (leaked)", e.getCause());
    return new Outcome(LibxlError.FAIL.code(), true, false, cancellation, interrupted, abortRc);
  }
}
