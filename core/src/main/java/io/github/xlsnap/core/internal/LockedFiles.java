package io.github.xlsnap.core.internal;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The files this JVM holds open with POSIX record locks on them (the simulated device models' image
 * locks), by file identity, and reads of files that never drop those locks.
 *
 * <p>POSIX record locks ({@link FileChannel#lock}) belong to the process, and closing <em>any</em>
 * descriptor of a file drops every one of them the process holds on that file. So a read in this JVM
 * that opened and closed an image a simulated device model holds would silently unlock it, and
 * {@code qemu-img} run by anyone would then no longer see QEMU's locks. {@link #read} therefore reads
 * a registered file through its holder's channel, and opens (and closes) one of its own only for a
 * file nobody registered; {@link #open} and {@link #close} of a holder and {@link #read} exclude one
 * another, so no lock is taken between a reader's open and its close.
 *
 * <p>Files are opened as {@link RandomAccessFile}s, whose reads an interrupt does not stop: a read
 * through an interruptible {@link FileChannel} by an interrupted thread would close the channel, and
 * with it the holder's locks. Holders take their locks through {@link RandomAccessFile#getChannel()}.
 *
 * <p>Thread-safe; one instance per JVM, {@link #JVM}.
 */
public final class LockedFiles {
  /** The registry of this JVM. */
  public static final LockedFiles JVM = new LockedFiles();

  private final Map<Object, RandomAccessFile> byIdentity = new HashMap<>();

  private LockedFiles() {}

  /** Reads a file opened for it. */
  @FunctionalInterface
  public interface FileReader<T, X extends Exception> {
    /**
     * Reads.
     *
     * @param file the file, open for reading, its pointer anywhere: {@link RandomAccessFile#seek} before
     *     reading; not to be closed
     * @return what was read
     * @throws IOException if the file cannot be read
     * @throws X what the reader throws
     */
    T read(RandomAccessFile file) throws IOException, X;
  }

  /**
   * Opens a file for reading, to take locks on, and registers the channel under the file's identity.
   *
   * @param file the file
   * @return the open file, to take locks through its channel and to give back to {@link #close}
   * @throws IOException if the file cannot be opened
   */
  public synchronized RandomAccessFile open(Path file) throws IOException {
    RandomAccessFile opened = new RandomAccessFile(file.toFile(), "r");
    try {
      Object identity = identity(file);
      if (identity != null) {
        byIdentity.putIfAbsent(identity, opened);
      }
      return opened;
    } catch (IOException | RuntimeException e) {
      opened.close();
      throw e;
    }
  }

  /**
   * Unregisters and closes a file from {@link #open}; its locks go with it.
   *
   * @param file the file
   * @throws IOException if closing fails
   */
  public synchronized void close(RandomAccessFile file) throws IOException {
    byIdentity.values().removeIf(f -> f == file);
    file.close();
  }

  /**
   * Reads a file: through its registered holder's descriptor if there is one, else through one of its
   * own, closed afterwards (no holder can register meanwhile).
   *
   * @param file the file
   * @param reader what to read; runs under this registry's monitor, so it should be short
   * @param <T> what it reads
   * @param <X> what it throws
   * @return what it read
   * @throws IOException if the file cannot be opened or read, or its identity cannot be known
   * @throws X what the reader throws
   */
  public synchronized <T, X extends Exception> T read(Path file, FileReader<T, X> reader) throws IOException, X {
    Object identity = identity(file);
    if (identity == null) {
      throw new IOException("the file system does not tell the identity of " + file
          + ", so whether this process holds locks on it is unknown");
    }
    RandomAccessFile held = byIdentity.get(identity);
    if (held != null && held.getFD().valid()) {
      return reader.read(held);
    }
    try (RandomAccessFile own = new RandomAccessFile(file.toFile(), "r")) {
      if (!identity.equals(identity(file))) {
        throw new IOException(file + " was replaced while being opened");
      }
      return reader.read(own);
    }
  }

  private static @Nullable Object identity(Path file) throws IOException {
    return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
  }
}
