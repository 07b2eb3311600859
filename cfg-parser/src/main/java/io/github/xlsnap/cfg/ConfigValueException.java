package io.github.xlsnap.cfg;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.XlsnapException;
import org.jspecify.annotations.Nullable;

/**
 * A configuration that parses but has a value of the wrong type or meaning: a list where a string is
 * needed, a number that is not one, an unknown key in a snapshot cfgfile, a bad disk spec. The
 * message reads {@code FILE:LINE:COLUMN: KEY: problem}. Immutable and thread-safe.
 */
public final class ConfigValueException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #source()}. */
  private final String source;
  /** Returned by {@link #key()}. */
  private final String key;
  /** Returned by {@link #line()}. */
  private final int line;
  /** Returned by {@link #column()}. */
  private final int column;

  /**
   * Creates the exception.
   *
   * @param source the file name or label of the text
   * @param key the key whose value is wrong, e.g. {@code memory} or {@code disks[1]}
   * @param position where the value is
   * @param problem what is wrong with it
   * @param cause the underlying failure, or {@code null}
   */
  public ConfigValueException(
      String source, String key, SourcePosition position, String problem, @Nullable Throwable cause) {
    super(source + ":" + position + ": " + key + ": " + problem, cause);
    this.source = requireNonNull(source, "source");
    this.key = requireNonNull(key, "key");
    this.line = position.line();
    this.column = position.column();
  }

  /**
   * Returns the file name or label of the text.
   *
   * @return the source
   */
  public String source() {
    return source;
  }

  /**
   * Returns the key whose value is wrong.
   *
   * @return the key, with an item index for a list item, e.g. {@code disks[1]}
   */
  public String key() {
    return key;
  }

  /**
   * Returns the line of the value.
   *
   * @return the line, from 1
   */
  public int line() {
    return line;
  }

  /**
   * Returns the column of the value.
   *
   * @return the column, from 1
   */
  public int column() {
    return column;
  }
}
