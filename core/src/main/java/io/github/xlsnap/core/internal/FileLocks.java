package io.github.xlsnap.core.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/** OS file locks taken so that Linux never reports a false deadlock. */
public final class FileLocks {
  private static final long MAX_SLEEP_MILLIS = 16;

  private FileLocks() {}

  /**
   * Takes an exclusive OS lock on a whole file by polling {@link FileChannel#tryLock()}, never by a
   * blocking {@link FileChannel#lock()}: Linux's deadlock detection for POSIX record locks counts
   * waits per process, so a blocking wait while another thread of the same process waits on another
   * process's lock of another file (the simulated host's and the snapshot store's) is refused with
   * {@code EDEADLK} though no thread is in a cycle. A poller is never in the kernel's wait graph.
   *
   * @param channel an open, writable channel on the lock file
   * @return the lock, released by closing the channel or the lock
   * @throws InterruptedIOException if the thread is interrupted while waiting (its status is set again)
   * @throws IOException if the lock cannot be taken for another reason
   */
  public static FileLock lockPolling(FileChannel channel) throws IOException {
    FileLock lock = lockPolling(channel, null);
    if (lock == null) {
      throw new IllegalStateException("a wait without a deadline ended"); // unreachable
    }
    return lock;
  }

  /**
   * Takes an exclusive OS lock on a whole file as {@link #lockPolling(FileChannel)} does, giving up
   * after a timeout.
   *
   * @param channel an open, writable channel on the lock file
   * @param timeout how long to wait; zero to try once; {@code null} to wait as long as it takes
   * @return the lock, released by closing the channel or the lock; {@code null} if the timeout passed
   *     first
   * @throws InterruptedIOException if the thread is interrupted while waiting (its status is set again)
   * @throws IOException if the lock cannot be taken for another reason (a thread interrupted before it
   *     tried gets {@link java.nio.channels.ClosedByInterruptException}, and the channel is closed)
   */
  public static @Nullable FileLock lockPolling(FileChannel channel, @Nullable Duration timeout) throws IOException {
    long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + saturatedNanos(timeout);
    long sleep = 1;
    FileLock lock;
    while ((lock = channel.tryLock()) == null) {
      long left = deadline - System.nanoTime();
      if (timeout != null && left <= 0) {
        return null;
      }
      try {
        Thread.sleep(Math.max(1, Math.min(sleep, left / 1_000_000)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the lock " + channel);
      }
      sleep = Math.min(sleep * 2, MAX_SLEEP_MILLIS);
    }
    return lock;
  }

  /**
   * Returns a duration in nanoseconds, {@link Long#MAX_VALUE} / 2 if it is longer (about 146 years),
   * so that adding it to {@link System#nanoTime} cannot overflow.
   *
   * @param timeout the duration, not negative
   * @return its nanoseconds, capped
   */
  public static long saturatedNanos(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("negative timeout " + timeout);
    }
    return timeout.compareTo(Duration.ofNanos(Long.MAX_VALUE / 2)) > 0 ? Long.MAX_VALUE / 2 : timeout.toNanos();
  }
}
