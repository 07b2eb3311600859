package io.github.xlsnap.core.sim;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskFormat;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * The text form of the simulated host's state files and domain configurations: {@code key=value}
 * lines as {@link Properties#load(java.io.Reader)} reads them, written in a fixed order and without
 * the timestamp {@link Properties#store} adds, so the same state always gives the same text. Typed
 * getters fail with {@link IllegalArgumentException} naming the key; callers add the file.
 */
final class PropertiesText {
  private final Map<String, String> values;

  private PropertiesText(Map<String, String> values) {
    this.values = values;
  }

  /**
   * Writes entries as text, in the map's order.
   *
   * @param comment the first line, without {@code #}
   * @param entries keys (plain ASCII names) and values (any text)
   * @return the text
   */
  static String format(String comment, Map<String, String> entries) {
    StringBuilder text = new StringBuilder("# ").append(comment).append('\n');
    entries.forEach((key, value) -> text.append(key).append('=').append(escape(value)).append('\n'));
    return text.toString();
  }

  /**
   * Reads text written by {@link #format} (or by hand in the same syntax).
   *
   * @param text the text
   * @return the entries
   */
  static PropertiesText parse(String text) {
    Properties properties = new Properties();
    try {
      properties.load(new StringReader(text));
    } catch (IOException e) {
      throw new AssertionError("a StringReader does not fail", e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed escape: " + e.getMessage(), e);
    }
    Map<String, String> values = new HashMap<>();
    properties.stringPropertyNames().forEach(key -> values.put(key, properties.getProperty(key)));
    return new PropertiesText(values);
  }

  /** The entries, sorted by key. */
  java.util.SortedMap<String, String> entries() {
    return new java.util.TreeMap<>(values);
  }

  boolean has(String key) {
    return values.containsKey(key);
  }

  String string(String key) {
    String value = values.get(key);
    if (value == null) {
      throw new IllegalArgumentException("key '" + key + "' is missing");
    }
    return value;
  }

  long longValue(String key) {
    String value = string(key);
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("key '" + key + "': '" + value + "' is not a number", e);
    }
  }

  int intValue(String key) {
    long value = longValue(key);
    if (value != (int) value) {
      throw new IllegalArgumentException("key '" + key + "': " + value + " is out of range");
    }
    return (int) value;
  }

  boolean booleanValue(String key) {
    String value = string(key);
    return switch (value) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("key '" + key + "': '" + value + "' is not true or false");
    };
  }

  UUID uuid(String key) {
    String value = string(key);
    try {
      return UUID.fromString(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("key '" + key + "': '" + value + "' is not a UUID", e);
    }
  }

  DiskFormat diskFormat(String key) {
    String value = string(key);
    return DiskFormat.fromXlName(value)
        .orElseThrow(() -> new IllegalArgumentException("key '" + key + "': '" + value + "' is not a disk format"));
  }

  Path absolutePath(String key) {
    String value = string(key);
    try {
      Path path = Path.of(value);
      if (!path.isAbsolute()) {
        throw new IllegalArgumentException("key '" + key + "': '" + value + "' is not an absolute path");
      }
      return path;
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("key '" + key + "': '" + value + "' is not a path", e);
    }
  }

  /** Escapes a value so that {@link Properties#load} reads it back exactly. */
  private static String escape(String value) {
    requireNonNull(value, "value");
    StringBuilder escaped = new StringBuilder(value.length());
    for (char c : value.toCharArray()) {
      switch (c) {
        case '\\' -> escaped.append("\\\\");
        case '\n' -> escaped.append("\\n");
        case '\r' -> escaped.append("\\r");
        case '\t' -> escaped.append("\\t");
        case '\f' -> escaped.append("\\f");
        case ' ', '=', ':', '#', '!' -> escaped.append('\\').append(c);
        default -> {
          if (c < 0x20 || c > 0x7e) {
            escaped.append(String.format("\\u%04x", (int) c));
          } else {
            escaped.append(c);
          }
        }
      }
    }
    return escaped.toString();
  }
}
