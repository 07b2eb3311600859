package io.github.xlsnap.cfg;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.XlsnapException;

/**
 * A configuration text that libxlutil would refuse. The message reads
 * {@code FILE:LINE:COLUMN: expected E, found F: hint}, the form compilers use, and each part is
 * available on its own. Immutable and thread-safe.
 */
public final class ConfigSyntaxException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #source()}. */
  private final String source;
  /** Returned by {@link #line()}. */
  private final int line;
  /** Returned by {@link #column()}. */
  private final int column;
  /** Returned by {@link #expected()}. */
  private final String expected;
  /** Returned by {@link #found()}. */
  private final String found;
  /** Returned by {@link #hint()}. */
  private final String hint;

  /**
   * Creates the exception.
   *
   * @param source the file name or other label of the text
   * @param position where the error is
   * @param expected what the language allows there, e.g. {@code a value ('...', "...", a number or [)}
   * @param found what is there, quoted, e.g. {@code '-'}, or {@code end of file}
   * @param hint how to fix it, or empty
   */
  public ConfigSyntaxException(String source, SourcePosition position, String expected, String found, String hint) {
    super(format(source, position, expected, found, hint));
    this.source = requireNonNull(source, "source");
    this.line = position.line();
    this.column = position.column();
    this.expected = requireNonNull(expected, "expected");
    this.found = requireNonNull(found, "found");
    this.hint = requireNonNull(hint, "hint");
  }

  private static String format(String source, SourcePosition position, String expected, String found, String hint) {
    return source + ":" + position + ": expected " + expected + ", found " + found
        + (hint.isEmpty() ? "" : ": " + hint);
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
   * Returns the line of the error.
   *
   * @return the line, from 1
   */
  public int line() {
    return line;
  }

  /**
   * Returns the column of the error.
   *
   * @return the column, from 1
   */
  public int column() {
    return column;
  }

  /**
   * Returns what the language allows at that place.
   *
   * @return a description, e.g. {@code '=' or '+='}
   */
  public String expected() {
    return expected;
  }

  /**
   * Returns what is at that place.
   *
   * @return the text found, quoted, or {@code end of file}, {@code end of line}
   */
  public String found() {
    return found;
  }

  /**
   * Returns how to fix the error.
   *
   * @return the hint, or empty
   */
  public String hint() {
    return hint;
  }
}
