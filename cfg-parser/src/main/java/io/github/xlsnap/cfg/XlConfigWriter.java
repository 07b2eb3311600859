package io.github.xlsnap.cfg;

import static com.google.common.base.Preconditions.checkArgument;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Writes values in the xl configuration language so that libxlutil (and {@link XlConfig#parse})
 * reads back the same values. Numbers stay bare when they are valid bare numbers; every other atom
 * is double-quoted with {@code \\}, {@code \"} and the control escapes libxlutil reads. Stateless
 * and thread-safe.
 */
public final class XlConfigWriter {
  private static final Pattern KEY = Pattern.compile("[a-z][._0-9a-z]*");
  private static final Pattern BARE_NUMBER = Pattern.compile("[0-9][0-9a-fx]*");

  private XlConfigWriter() {}

  /**
   * Writes one assignment a line, in the map's order.
   *
   * @param values keys and values
   * @return the configuration text, ending with a newline unless empty
   * @throws IllegalArgumentException if a key is not a valid key or a string holds a NUL char,
   *     which xl cannot read
   */
  public static String write(Map<String, ConfigValue> values) {
    StringBuilder out = new StringBuilder();
    values.forEach((k, v) -> {
      checkArgument(KEY.matcher(k).matches(), "'%s' is not an xl key: keys match [a-z][._0-9a-z]*", k);
      out.append(k).append(" = ");
      appendValue(out, v);
      out.append('\n');
    });
    return out.toString();
  }

  /**
   * Writes one value as it would appear after {@code key = }.
   *
   * @param value the value
   * @return its text
   * @throws IllegalArgumentException if a string holds a NUL char
   */
  public static String writeValue(ConfigValue value) {
    StringBuilder out = new StringBuilder();
    appendValue(out, value);
    return out.toString();
  }

  /**
   * Quotes a string for the xl configuration language.
   *
   * @param s the string
   * @return it in double quotes, escaped
   * @throws IllegalArgumentException if it holds a NUL char
   */
  public static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        case '\u0007' -> out.append("\\a");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\u000b' -> out.append("\\v");
        case '\0' -> throw new IllegalArgumentException("xl cannot represent a NUL char in a string");
        default -> out.append(c);
      }
    }
    return out.append('"').toString();
  }

  private static void appendValue(StringBuilder out, ConfigValue v) {
    if (v instanceof ConfigValue.Atom a) {
      out.append(a.number() && BARE_NUMBER.matcher(a.text()).matches() ? a.text() : quote(a.text()));
    } else if (v instanceof ConfigValue.ListValue l) {
      out.append('[');
      boolean first = true;
      for (ConfigValue item : l.items()) {
        if (!first) {
          out.append(", ");
        }
        first = false;
        appendValue(out, item);
      }
      out.append(']');
    }
  }
}
