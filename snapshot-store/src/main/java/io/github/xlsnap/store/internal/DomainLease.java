package io.github.xlsnap.store.internal;

import io.github.xlsnap.core.internal.FileLocks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The lease of one domain directory: held by one operation of a manager for its whole length (which
 * may include minutes of memory checkpoint), against the operations of other threads and processes.
 * Separate from the short {@link DomainLock} that loads and commits take, so that a reader never waits
 * for an operation, only for a commit. Like it, an in-JVM reentrant lock shared by every store of this
 * JVM, plus, while the outermost holder has it, an OS lock on {@value #FILE_NAME}, which dies with its
 * process. The holder's process id is written into the file while it is held, to name it to waiters.
 * Waits end at a deadline and on an interrupt. Thread-safe.
 */
public final class DomainLease {
  /** The lease file's name in each domain directory. */
  public static final String FILE_NAME = "xlsnap-lease.lock";
  private static final ConcurrentMap<Path, DomainLease> LEASES = new ConcurrentHashMap<>();
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final Set<OpenOption> OPEN = Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
      StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

  private final Path file;
  private final ReentrantLock threads = new ReentrantLock();
  /** Held by the thread that holds {@link #threads} at depth 1. */
  private @Nullable FileChannel channel;
  /** The name of the thread that holds the lease, for waiters' messages. */
  private volatile String holder = "";

  private DomainLease(Path file) {
    this.file = file;
  }

  /** Another holder kept the lease until the deadline. */
  public static final class BusyException extends Exception {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param holder who holds the lease, as far as known
     */
    BusyException(String holder) {
      super(holder, null, false, false);
    }

    /**
     * Returns who holds the lease.
     *
     * @return e.g. {@code another process (pid 4242)}
     */
    public String holder() {
      return getMessage();
    }
  }

  /**
   * Takes the lease of a domain directory, waiting at most {@code timeout} for other threads and
   * processes. Reentrant: a thread that holds it takes it again at once.
   *
   * @param directory the domain directory, absolute and normalized; it must exist
   * @param timeout how long to wait; zero to try once
   * @return the held lease; close it to release
   * @throws BusyException if another holder kept it until the timeout
   * @throws InterruptedException if the thread was interrupted while waiting (its status is cleared,
   *     as {@link InterruptedException} says)
   * @throws IOException if the lease file cannot be opened or locked; a
   *     {@link java.nio.channels.ClosedByInterruptException} if the thread was interrupted as it tried
   */
  public static Held acquire(Path directory, Duration timeout) throws BusyException, InterruptedException, IOException {
    long deadline = System.nanoTime() + FileLocks.saturatedNanos(timeout);
    DomainLease lease = LEASES.computeIfAbsent(directory, d -> new DomainLease(d.resolve(FILE_NAME)));
    if (!lease.threads.tryLock(deadline - System.nanoTime(), TimeUnit.NANOSECONDS)) {
      String who = lease.holder;
      throw new BusyException("another thread of this process" + (who.isEmpty() ? "" : " (" + who + ")"));
    }
    if (lease.threads.getHoldCount() == 1) {
      try {
        lease.channel = lease.lockFile(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        lease.holder = Thread.currentThread().getName();
      } catch (BusyException | IOException | RuntimeException e) {
        lease.threads.unlock();
        throw e;
      }
    }
    return new Held(lease);
  }

  private FileChannel lockFile(Duration timeout) throws BusyException, IOException {
    FileChannel c = POSIX
        ? FileChannel.open(file, OPEN, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
        : FileChannel.open(file, OPEN);
    try {
      if (FileLocks.lockPolling(c, timeout) == null) {
        throw new BusyException("another process" + processIn(c));
      }
      c.truncate(0);
      c.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      return c;
    } catch (BusyException | IOException | RuntimeException e) {
      c.close();
      throw e;
    }
  }

  /** The holder's pid as its file says, for a message: " (pid N)", or empty. */
  private static String processIn(FileChannel c) {
    try {
      ByteBuffer b = ByteBuffer.allocate(64);
      c.read(b, 0);
      String text = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
      return text.matches("pid \\d+") ? " (" + text + ")" : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** A held lease; {@link #close} releases it. Used by one thread. */
  public static final class Held implements AutoCloseable {
    private final DomainLease lease;
    private boolean closed;

    private Held(DomainLease lease) {
      this.lease = lease;
    }

    /**
     * Returns the lease file.
     *
     * @return its path
     */
    public Path file() {
      return lease.file;
    }

    @Override
    public void close() throws IOException {
      if (closed) {
        return;
      }
      closed = true;
      try {
        if (lease.threads.getHoldCount() == 1) {
          lease.holder = "";
          FileChannel c = lease.channel;
          lease.channel = null;
          if (c != null) {
            c.close(); // releases the OS lock; the pid it holds is stale from now on, and unread
          }
        }
      } finally {
        lease.threads.unlock();
      }
    }
  }
}
