package io.github.xlsnap.cfg;

import static java.util.Objects.requireNonNull;

/**
 * One statement of an xl configuration, {@code key = value} or {@code key += value}, with its place
 * in the text. Immutable and thread-safe.
 *
 * @param key the key, {@code [a-z][._0-9a-z]*}
 * @param append true for {@code +=} (string concatenation or list append)
 * @param value the value as written in this statement
 * @param position where the key starts
 * @param start the offset of the key's first char in the text
 * @param end the offset just after the value's last char
 */
public record Assignment(String key, boolean append, ConfigValue value, SourcePosition position, int start, int end) {
  /**
   * Checks the components.
   *
   * @param key the key
   * @param append true for {@code +=}
   * @param value the value
   * @param position where the key starts
   * @param start the offset of the statement
   * @param end the offset after it
   */
  public Assignment {
    requireNonNull(key, "key");
    requireNonNull(value, "value");
    requireNonNull(position, "position");
  }
}
