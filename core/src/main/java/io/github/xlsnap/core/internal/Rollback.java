package io.github.xlsnap.core.internal;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An undo log: each step that changed something registers how to undo it; on failure the undos run
 * newest first. An undo that fails does not stop the others: its exception is attached to the
 * original failure as suppressed and logged, so the caller sees both.
 */
public final class Rollback {
  private static final Logger LOG = LoggerFactory.getLogger(Rollback.class);

  /** An undo action. */
  @FunctionalInterface
  public interface Undo {
    /**
     * Undoes one step.
     *
     * @throws Exception if the undo fails
     */
    void run() throws Exception;
  }

  private record Entry(String description, Undo undo) {}

  private final String operation;
  private final Deque<Entry> entries = new ArrayDeque<>();

  /**
   * Starts an empty log.
   *
   * @param operation the operation, for log messages
   */
  public Rollback(String operation) {
    this.operation = operation;
  }

  /**
   * Registers how to undo the step just done.
   *
   * @param description what the undo does, for log messages
   * @param undo the undo
   */
  public void add(String description, Undo undo) {
    entries.push(new Entry(description, undo));
  }

  /** Forgets every registered undo: the steps are now permanent. */
  public void clear() {
    entries.clear();
  }

  /**
   * Runs every undo, newest first, and forgets them, as {@link #undo(Throwable, Runnable)} with
   * nothing to do after a clean rollback.
   *
   * @param failure the failure that caused the rollback; failed undos are attached to it as suppressed
   * @return true if every undo succeeded
   */
  public boolean undo(Throwable failure) {
    return undo(failure, () -> {});
  }

  /**
   * Runs every undo, newest first, and forgets them; if every undo succeeded, then runs
   * {@code whenClean} (typically: clear the operation's intent record).
   *
   * <p>A cancelled operation is rolled back in full: the calling thread's interrupt status is cleared
   * while the undos and {@code whenClean} run (a file channel, a lock wait or an external tool would
   * refuse an interrupted thread, leaving a domain paused) and set again before this returns.
   *
   * @param failure the failure that caused the rollback; failed undos, and a failure of
   *     {@code whenClean}, are attached to it as suppressed
   * @param whenClean what to do once every undo succeeded
   * @return true if every undo, and {@code whenClean}, succeeded
   */
  public boolean undo(Throwable failure, Runnable whenClean) {
    boolean interrupted = Thread.interrupted();
    try {
      boolean clean = true;
      LOG.warn("{} failed ({}); rolling back {} step(s)", operation, failure.toString(), entries.size());
      while (!entries.isEmpty()) {
        Entry e = entries.pop();
        try {
          e.undo().run();
          LOG.debug("{}: rolled back: {}", operation, e.description());
        } catch (Exception | Error undoFailure) {
          if (undoFailure instanceof InterruptedException) {
            interrupted = true;
          }
          interrupted |= Thread.interrupted();
          LOG.error("{}: rollback step failed: {}", operation, e.description(), undoFailure);
          failure.addSuppressed(undoFailure);
          clean = false;
        }
      }
      if (clean) {
        try {
          whenClean.run();
        } catch (RuntimeException afterFailure) {
          LOG.error("{}: rolled back, but what follows a clean rollback failed", operation, afterFailure);
          failure.addSuppressed(afterFailure);
          clean = false;
        }
      }
      return clean;
    } finally {
      if (interrupted || Thread.interrupted()) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
