package io.github.xlsnap.core.internal;

import io.github.xlsnap.core.XlsnapIOException;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Creates files and directories readable by their owner only: memory images hold guest RAM
 * ({@code xl save} leaves them world-readable; xlsnap does not).
 */
public final class PrivateFiles {
  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

  private PrivateFiles() {}

  /**
   * Creates a new empty file with mode 0600.
   *
   * @param file the file; it must not exist
   * @throws FileAlreadyExistsException if it exists
   * @throws IOException if it cannot be created
   */
  public static void createFile(Path file) throws IOException {
    if (POSIX) {
      FileAttribute<?> mode = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
      Files.createFile(file, mode);
    } else {
      Files.createFile(file);
    }
  }

  /**
   * Creates a directory and its missing parents; the directory itself gets mode 0700 if created.
   *
   * @param dir the directory
   * @throws XlsnapIOException naming the directory, if it cannot be created
   */
  public static void createDirectories(Path dir) {
    try {
      if (Files.isDirectory(dir)) {
        return;
      }
      Path parent = dir.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (POSIX) {
        Files.createDirectory(dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectory(dir);
      }
    } catch (FileAlreadyExistsException e) {
      if (!Files.isDirectory(dir)) {
        throw new XlsnapIOException("create directory (a file is in the way)", dir, e);
      }
    } catch (IOException e) {
      throw new XlsnapIOException("create directory", dir, e);
    }
  }

  /**
   * Deletes a file if it exists.
   *
   * @param file the file
   * @return true if it existed
   * @throws XlsnapIOException naming the file, if it exists and cannot be deleted
   */
  public static boolean deleteIfExists(Path file) {
    try {
      return Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new XlsnapIOException("delete", file, e);
    }
  }
}
