package io.github.xlsnap.core.sim;

import static com.google.common.base.Preconditions.checkState;

import io.github.xlsnap.core.internal.FileLocks;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * Mutual exclusion on one host directory, between threads and between processes: a fair in-JVM lock,
 * shared by every {@link SimulatedHypervisor} of this JVM open on the directory, and while it is held
 * an OS lock ({@link FileLock}) on the directory's lock file. The OS lock is taken once per outermost
 * acquisition, as a JVM may hold only one lock on a file. Fairness lets a live checkpoint's copy and
 * the guest's steps take turns.
 */
final class HostLock {
  /** The locks of the directories open in this JVM, by real path. Guarded by itself. */
  private static final Map<Path, HostLock> OPEN = new HashMap<>();

  private final Path directory;
  private final Path lockFile;
  private final ReentrantLock threads = new ReentrantLock(true);
  /** How many hypervisors use this lock. Guarded by {@link #OPEN}. */
  private int users;
  /** The channel holding the OS lock while a thread holds {@link #threads}; touched only by that thread. */
  private @Nullable FileChannel channel;

  private HostLock(Path directory, Path lockFile) {
    this.directory = directory;
    this.lockFile = lockFile;
  }

  /**
   * Returns the lock of a directory, counting one more user; {@link #release} when done.
   *
   * @param directory the host directory's real path
   * @param lockFile the file the OS lock is taken on
   */
  static HostLock acquire(Path directory, Path lockFile) {
    synchronized (OPEN) {
      HostLock lock = OPEN.computeIfAbsent(directory, d -> new HostLock(d, lockFile));
      lock.users++;
      return lock;
    }
  }

  /** Counts one user less; the lock is forgotten when it has none. */
  void release() {
    synchronized (OPEN) {
      checkState(users > 0, "host lock of %s released too often", directory);
      if (--users == 0) {
        OPEN.remove(directory);
      }
    }
  }

  /** Takes the lock, waiting for other threads and other processes. */
  void lock() throws IOException {
    threads.lock();
    if (threads.getHoldCount() > 1) {
      return;
    }
    try {
      FileChannel opened = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      try {
        FileLocks.lockPolling(opened);
        channel = opened;
      } catch (IOException | RuntimeException e) {
        opened.close();
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      threads.unlock();
      throw e;
    }
  }

  /** Releases the lock taken by {@link #lock}. */
  void unlock() throws IOException {
    checkState(threads.isHeldByCurrentThread(), "host lock of %s not held", directory);
    try {
      if (threads.getHoldCount() == 1) {
        FileChannel held = channel;
        channel = null;
        if (held != null) {
          held.close(); // releases the OS lock
        }
      }
    } finally {
      threads.unlock();
    }
  }

  boolean isHeldByCurrentThread() {
    return threads.isHeldByCurrentThread();
  }
}
