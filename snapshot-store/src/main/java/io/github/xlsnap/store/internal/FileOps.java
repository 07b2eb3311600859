package io.github.xlsnap.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * The store's operations that change files, one per system call that can fail on its own: the seam
 * through which tests inject I/O errors, as square/tape's {@code QueueFile} tests do, failing the N-th
 * call. The store makes every change to a domain's files through it (reads and locks go directly to
 * the file system); production uses {@link #SYSTEM}. Implementations must be thread-safe.
 */
public interface FileOps {
  /** The real file system. */
  FileOps SYSTEM = new OnDisk();

  /**
   * Creates a file with mode {@code 0600}, or truncates it, without following a link, and writes its
   * content; forces nothing.
   *
   * @param file the file
   * @param content its content
   * @throws IOException if it cannot be opened or written
   */
  void write(Path file, byte[] content) throws IOException;

  /**
   * Forces a file's content to disk ({@code fsync}).
   *
   * @param file the file
   * @throws IOException if it cannot be forced
   */
  void sync(Path file) throws IOException;

  /**
   * Renames a file over another atomically, replacing it.
   *
   * @param source the file
   * @param target its new name, in the same directory
   * @throws IOException if it cannot be renamed
   */
  void rename(Path source, Path target) throws IOException;

  /**
   * Removes a file if it exists.
   *
   * @param file the file
   * @return true if it existed
   * @throws IOException if it exists and cannot be removed
   */
  boolean delete(Path file) throws IOException;

  /**
   * Forces a directory's entries (renames, removals) to disk.
   *
   * @param directory the directory
   * @throws IOException if it cannot be forced
   */
  void syncDirectory(Path directory) throws IOException;

  /** {@link FileOps} on the default file system. */
  final class OnDisk implements FileOps {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final Set<OpenOption> CREATE = Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING, LinkOption.NOFOLLOW_LINKS);

    private OnDisk() {}

    @Override
    public void write(Path file, byte[] content) throws IOException {
      try (FileChannel out = POSIX
          ? FileChannel.open(file, CREATE, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
          : FileChannel.open(file, CREATE)) {
        ByteBuffer b = ByteBuffer.wrap(content);
        while (b.hasRemaining()) {
          out.write(b);
        }
      }
    }

    @Override
    public void sync(Path file) throws IOException {
      // fsync of any descriptor of the file flushes its data: the pages belong to the inode
      try (FileChannel c = FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        c.force(true);
      }
    }

    @Override
    public void rename(Path source, Path target) throws IOException {
      Files.move(source, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public boolean delete(Path file) throws IOException {
      return Files.deleteIfExists(file);
    }

    @Override
    public void syncDirectory(Path directory) throws IOException {
      try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
        dir.force(true);
      }
    }
  }
}
