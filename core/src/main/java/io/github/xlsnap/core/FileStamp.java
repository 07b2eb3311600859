package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Optional;

/**
 * The size and modification time of a file that a snapshot relies on, recorded when the snapshot was
 * taken, so that a later revert can tell whether the file was changed behind xlsnap's back.
 *
 * @param size the file's size in bytes
 * @param modified its last modification time
 */
public record FileStamp(long size, Instant modified) {
  /**
   * Checks the components.
   *
   * @param size the size in bytes, not negative
   * @param modified the modification time
   */
  public FileStamp {
    checkArgument(size >= 0, "size < 0");
    requireNonNull(modified, "modified");
  }

  /**
   * Reads a file's stamp.
   *
   * @param file the file
   * @return its stamp, empty if it does not exist
   * @throws XlsnapIOException naming the file, if it exists but its attributes cannot be read
   */
  public static Optional<FileStamp> of(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return Optional.of(new FileStamp(a.size(), a.lastModifiedTime().toInstant()));
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new XlsnapIOException("read the attributes of", file, e);
    }
  }
}
