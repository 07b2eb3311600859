package io.github.xlsnap.store;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.XlsnapException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/**
 * A metadata file of the store cannot be used: truncated, not JSON, of the wrong shape, written by a
 * newer format, naming a snapshot that its file name does not, or not a regular file. The store
 * never skips, rewrites or deletes such a file on its own: the operation that met it fails, and
 * {@link JsonSnapshotStore#check} reports it, {@link JsonSnapshotStore#repair} quarantines it. An
 * export document that {@link MetadataDocuments} cannot use is reported the same way.
 */
public final class CorruptMetadataException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** The file concerned. Serialized as a string: {@link Path} is not serializable. */
  private final String file;
  /** What is wrong with it. */
  private final Problem problem;
  /** Returned by {@link #detail()}. */
  private final String detail;

  /** What is wrong with a metadata file. */
  public enum Problem {
    /** The file ends before its JSON does (an empty file included). */
    TRUNCATED,
    /** The file is not valid JSON (syntax, duplicate keys, trailing data). */
    INVALID_JSON,
    /** The JSON has a missing field, a field of the wrong type or a value out of range. */
    WRONG_TYPE,
    /** The file was written by a newer format version than this xlsnap reads. */
    FUTURE_FORMAT_VERSION,
    /** The snapshot name in the file is invalid (e.g. contains {@code ../}) or does not match the file name. */
    BAD_NAME,
    /** The path is a symbolic link, a directory or another non-regular file. */
    NOT_A_REGULAR_FILE,
    /** The files read well one by one but do not form a tree (a parent missing, a cycle...). */
    INCONSISTENT,
    /** The file could not be read (an I/O error). */
    UNREADABLE
  }

  /**
   * Creates the exception.
   *
   * @param file the file concerned
   * @param problem what is wrong with it
   * @param detail a description naming the field or position concerned
   * @param cause the underlying failure, or {@code null}
   */
  public CorruptMetadataException(Path file, Problem problem, String detail, @Nullable Throwable cause) {
    super(requireNonNull(file, "file") + ": " + requireNonNull(problem, "problem").name().toLowerCase(java.util.Locale.ROOT)
        + ": " + detail, cause);
    this.file = file.toString();
    this.problem = problem;
    this.detail = requireNonNull(detail, "detail");
  }

  /**
   * Returns the file concerned.
   *
   * @return its path
   */
  public Path file() {
    return Path.of(file);
  }

  /**
   * Returns what is wrong with the file.
   *
   * @return the problem
   */
  public Problem problem() {
    return problem;
  }

  /**
   * Returns the description of the problem alone, without the file and the problem's name that the
   * message starts with.
   *
   * @return the description, naming the field or position concerned
   */
  public String detail() {
    return detail;
  }
}
