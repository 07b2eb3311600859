package io.github.xlsnap.core.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;

/** OS file locks taken so that Linux never reports a false deadlock. */
public final class FileLocks {
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
    long sleep = 1;
    FileLock lock;
    while ((lock = channel.tryLock()) == null) {
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for the lock " + channel);
      }
      sleep = Math.min(sleep * 2, 16);
    }
    return lock;
  }
}
