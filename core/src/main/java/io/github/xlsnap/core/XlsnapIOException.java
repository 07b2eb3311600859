package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An input/output error of xlsnap's own files (snapshot metadata, memory images, overlays, lock and
 * temporary files), naming the operation that failed and the file it concerned. The
 * {@linkplain #getCause() cause} is the {@link IOException} the file system reported.
 *
 * <p>What it means for data depends on where it is thrown, and each API says so: an operation of
 * {@link SnapshotManager} that throws it has been rolled back (or, past its commit point, completed),
 * and a {@link io.github.xlsnap.core.spi.SnapshotStore#save} that throws it committed nothing.
 */
public class XlsnapIOException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #operation()}. */
  private final String operation;
  /** Returned by {@link #file()}; a String, as {@link Path} is not serializable. */
  private final @Nullable String file;

  /**
   * Creates the exception.
   *
   * @param operation what was being done, in a few words ({@code "write metadata"}, {@code "fsync"})
   * @param file the file concerned, or {@code null} if the failure concerns no single file
   * @param cause the error the file system reported
   */
  public XlsnapIOException(String operation, @Nullable Path file, IOException cause) {
    super(message(operation, file, cause), requireNonNull(cause, "cause"));
    this.operation = requireNonNull(operation, "operation");
    this.file = file == null ? null : file.toString();
  }

  private static String message(String operation, @Nullable Path file, IOException cause) {
    requireNonNull(operation, "operation");
    return "cannot " + operation + (file == null ? "" : " " + file) + ": " + reason(cause);
  }

  /**
   * The file system's reason in the words of the C library where Java leaves it out ({@code No such
   * file or directory}, not the path again).
   */
  private static String reason(IOException cause) {
    if (cause instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return cause.getClass().getSimpleName() + ": " + f.getReason();
    }
    if (cause instanceof java.nio.file.NoSuchFileException) {
      return "No such file or directory";
    }
    if (cause instanceof java.nio.file.AccessDeniedException) {
      return "Permission denied";
    }
    if (cause instanceof java.nio.file.FileAlreadyExistsException) {
      return "File exists";
    }
    if (cause instanceof java.nio.file.NotDirectoryException) {
      return "Not a directory";
    }
    if (cause instanceof java.nio.file.DirectoryNotEmptyException) {
      return "Directory not empty";
    }
    if (cause.getClass() == IOException.class && cause.getMessage() != null) {
      return cause.getMessage(); // e.g. "Is a directory"
    }
    return cause.toString();
  }

  /**
   * Returns what was being done.
   *
   * @return the operation, in a few words
   */
  public String operation() {
    return operation;
  }

  /**
   * Returns the file concerned.
   *
   * @return the file, empty if the failure concerns no single file
   */
  public Optional<Path> file() {
    return Optional.ofNullable(file).map(Path::of);
  }

  /**
   * Returns the error the file system reported.
   *
   * @return the cause
   */
  @Override
  public synchronized IOException getCause() {
    return (IOException) super.getCause();
  }
}
