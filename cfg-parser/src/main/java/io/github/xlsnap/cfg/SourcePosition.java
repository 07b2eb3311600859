package io.github.xlsnap.cfg;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * A place in a configuration text. Immutable and thread-safe.
 *
 * @param line the line, from 1
 * @param column the column, from 1, counted in UTF-16 chars
 */
public record SourcePosition(int line, int column) {
  /**
   * Checks the components.
   *
   * @param line the line, from 1
   * @param column the column, from 1
   */
  public SourcePosition {
    checkArgument(line >= 1 && column >= 1, "position %s:%s", line, column);
  }

  @Override
  public String toString() {
    return line + ":" + column;
  }
}
