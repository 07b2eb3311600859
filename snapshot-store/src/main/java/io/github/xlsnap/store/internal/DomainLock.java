package io.github.xlsnap.store.internal;

import io.github.xlsnap.core.internal.FileLocks;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The writer lock of one domain directory, between threads and between processes: an in-JVM
 * reentrant lock shared by every store of this JVM, and, while the outermost holder has it, an OS
 * lock ({@link java.nio.channels.FileLock}) on {@code xlsnap.lock} in the directory. A JVM can hold
 * only one OS lock per file, hence the in-JVM lock in front. The OS lock dies with its process, so a
 * crashed holder never blocks anyone. Thread-safe.
 */
public final class DomainLock {
  /** The lock file's name in each domain directory. */
  public static final String FILE_NAME = "xlsnap.lock";
  private static final ConcurrentMap<Path, DomainLock> LOCKS = new ConcurrentHashMap<>();
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final Set<OpenOption> OPEN = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
      LinkOption.NOFOLLOW_LINKS);

  private final Path lockFile;
  private final ReentrantLock threads = new ReentrantLock();
  /** Held by the thread that holds {@link #threads} at depth 1. */
  private @Nullable FileChannel channel;

  private DomainLock(Path lockFile) {
    this.lockFile = lockFile;
  }

  /**
   * Takes the lock of a domain directory, waiting for other threads and processes.
   *
   * @param directory the domain directory, absolute and normalized; it must exist
   * @return the held lock; close it to release
   * @throws IOException if the lock file cannot be opened or locked
   */
  public static Held acquire(Path directory) throws IOException {
    DomainLock lock = LOCKS.computeIfAbsent(directory, d -> new DomainLock(d.resolve(FILE_NAME)));
    lock.threads.lock();
    if (lock.threads.getHoldCount() == 1) {
      try {
        FileChannel c = POSIX
            ? FileChannel.open(lock.lockFile, OPEN, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
            : FileChannel.open(lock.lockFile, OPEN);
        try {
          FileLocks.lockPolling(c);
        } catch (IOException | RuntimeException e) {
          c.close();
          throw e;
        }
        lock.channel = c;
      } catch (IOException | RuntimeException e) {
        lock.threads.unlock();
        throw e;
      }
    }
    return new Held(lock);
  }

  /** A held lock; {@link #close} releases it. Used by one thread. */
  public static final class Held implements AutoCloseable {
    private final DomainLock lock;
    private boolean closed;

    private Held(DomainLock lock) {
      this.lock = lock;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (lock.threads.getHoldCount() == 1) {
          FileChannel c = lock.channel;
          lock.channel = null;
          if (c != null) {
            c.close(); // releases the OS lock
          }
        }
      } finally {
        lock.threads.unlock();
      }
    }
  }
}
