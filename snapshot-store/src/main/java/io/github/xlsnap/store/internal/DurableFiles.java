package io.github.xlsnap.store.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Crash-safe file primitives, after square/tape's {@code QueueFile} and JGit's {@code LockFile}: a
 * file is replaced by writing a temporary file in the same directory, forcing it to disk, renaming
 * it over the target and forcing the directory. Files are created {@code 0600}, directories
 * {@code 0700}; symbolic links are never followed. Changes go through a {@link FileOps}, the seam
 * tests inject faults through. Stateless and thread-safe.
 */
public final class DurableFiles {
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private DurableFiles() {}

  /**
   * The temporary file used to replace a file: a dot, its name, {@code .tmp}.
   *
   * @param file the file
   * @return its temporary sibling
   */
  public static Path temporaryOf(Path file) {
    return file.resolveSibling("." + file.getFileName() + ".tmp");
  }

  /**
   * Tells whether a file name is one of the store's temporary files.
   *
   * @param name the file name
   * @return true for {@code .<name>.tmp}
   */
  public static boolean isTemporary(String name) {
    return name.startsWith(".") && name.endsWith(".tmp") && name.length() > 5;
  }

  /**
   * Replaces a file durably: temporary file, fsync, atomic rename; the directory is forced only if
   * {@code forceDirectory}, for callers that group several renames under one directory fsync. If a
   * step before the rename fails, the temporary file is removed (as far as it can be).
   *
   * @param ops the file operations
   * @param file the file
   * @param content its new content
   * @param forceDirectory whether to force the directory after the rename
   * @throws IOException if any step fails; the target still has its old content if it failed before
   *     the rename
   */
  public static void replace(FileOps ops, Path file, byte[] content, boolean forceDirectory) throws IOException {
    renameOver(ops, file, content, true);
    if (forceDirectory) {
      ops.syncDirectory(parentOf(file));
    }
  }

  /**
   * Replaces a file atomically but not durably: temporary file, atomic rename, nothing forced. For
   * derived files whose readers detect a torn or lost write (the read cache).
   *
   * @param file the file
   * @param content its new content
   * @throws IOException if any step fails; the target then still has its old content
   */
  public static void replaceUnforced(Path file, byte[] content) throws IOException {
    renameOver(FileOps.SYSTEM, file, content, false);
  }

  /** Writes the temporary file (0600), forcing it if asked, and renames it over {@code file}. */
  private static void renameOver(FileOps ops, Path file, byte[] content, boolean force) throws IOException {
    Path tmp = temporaryOf(file);
    try {
      ops.write(tmp, content);
      if (force) {
        ops.sync(tmp);
      }
      ops.rename(tmp, file);
    } catch (IOException | RuntimeException e) {
      try {
        ops.delete(tmp);
      } catch (IOException | RuntimeException again) {
        e.addSuppressed(again); // the next sweep of the directory removes it
      }
      throw e;
    }
  }

  /**
   * Returns a file's directory.
   *
   * @param file the file, with a parent
   * @return its parent
   */
  public static Path parentOf(Path file) {
    Path parent = file.getParent();
    if (parent == null) {
      throw new IllegalArgumentException(file + " has no parent directory");
    }
    return parent;
  }

  /**
   * Creates a directory with mode 0700 if missing.
   *
   * @param dir the directory
   * @return true if it was created
   * @throws IOException if it cannot be created, or exists and is not a directory (a link included)
   */
  public static boolean createPrivateDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    try {
      if (POSIX) {
        FileAttribute<?> mode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
        Files.createDirectory(dir, mode);
      } else {
        Files.createDirectory(dir);
      }
      return true;
    } catch (java.nio.file.FileAlreadyExistsException e) {
      if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Reads a regular file, refusing links and special files.
   *
   * @param file the file
   * @return its bytes
   * @throws NotRegularFileException if it is not a regular file
   * @throws IOException if it cannot be read
   */
  public static byte[] readRegular(Path file) throws IOException {
    var attrs = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isRegularFile()) {
      throw new NotRegularFileException(file, attrs.isSymbolicLink() ? "a symbolic link" : "not a regular file");
    }
    try (var in = Files.newByteChannel(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
      long size = in.size();
      if (size > Integer.MAX_VALUE - 16) {
        throw new IOException(file + " is too large: " + size + " bytes");
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      while (b.hasRemaining() && in.read(b) >= 0) {
        // read until full or end
      }
      return b.position() == b.capacity() ? b.array() : java.util.Arrays.copyOf(b.array(), b.position());
    }
  }

  /** A path that is a link or a special file where a regular file was expected. */
  public static final class NotRegularFileException extends java.nio.file.FileSystemException {
    private static final long serialVersionUID = 1L;

    /** Returned by {@link #what()}. */
    private final String what;

    /**
     * Creates the exception.
     *
     * @param file the path
     * @param what what it is instead
     */
    public NotRegularFileException(Path file, String what) {
      super(file.toString(), null, "is " + what);
      this.what = what;
    }

    /**
     * Returns what the path is instead of a regular file.
     *
     * @return e.g. {@code a symbolic link}
     */
    public String what() {
      return what;
    }
  }
}
