package io.github.xlsnap.core.disk;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON (RFC 8259) reader for the output of {@code qemu-img info --output=json}:
 * core depends on nothing but Guava and SLF4J, so it cannot use a JSON library.
 *
 * <p>Values become {@link Map} (insertion-ordered, unmodifiable), {@link List} (unmodifiable),
 * {@link String}, {@link BigDecimal}, {@link Boolean} or {@link #NULL}. Anything the RFC does not
 * allow is rejected: trailing commas, comments, leading zeros, unescaped control characters, bad
 * escapes, duplicate keys, text after the value.
 */
final class Json {
  /** The JSON {@code null}; a marker object because the packages are null-marked. */
  static final Object NULL = new Object() {
    @Override
    public String toString() {
      return "null";
    }
  };

  /** Deeper nesting than any qemu-img output; keeps malformed input from overflowing the stack. */
  private static final int MAX_DEPTH = 64;

  private final String text;
  private int pos;

  private Json(String text) {
    this.text = text;
  }

  /**
   * Parses one JSON value, surrounded by optional whitespace.
   *
   * @param text the JSON text
   * @return the value
   * @throws UnexpectedOutputException if the text is not exactly one valid JSON value
   */
  static Object parse(String text) throws UnexpectedOutputException {
    Json reader = new Json(text);
    reader.skipWhitespace();
    Object value = reader.readValue(0);
    reader.skipWhitespace();
    if (reader.pos != text.length()) {
      throw reader.error("unexpected text after the value");
    }
    return value;
  }

  private Object readValue(int depth) throws UnexpectedOutputException {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH);
    }
    if (pos >= text.length()) {
      throw error("unexpected end of text");
    }
    char c = text.charAt(pos);
    return switch (c) {
      case '{' -> readObject(depth);
      case '[' -> readArray(depth);
      case '"' -> readString();
      case 't' -> readLiteral("true", Boolean.TRUE);
      case 'f' -> readLiteral("false", Boolean.FALSE);
      case 'n' -> readLiteral("null", NULL);
      case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9' -> readNumber();
      default -> throw error("unexpected character " + describe(c));
    };
  }

  private Map<String, Object> readObject(int depth) throws UnexpectedOutputException {
    expect('{');
    Map<String, Object> members = new LinkedHashMap<>();
    skipWhitespace();
    if (tryConsume('}')) {
      return Collections.unmodifiableMap(members);
    }
    do {
      skipWhitespace();
      int keyStart = pos;
      if (pos >= text.length() || text.charAt(pos) != '"') {
        throw error("expected a string key");
      }
      String key = readString();
      skipWhitespace();
      expect(':');
      skipWhitespace();
      Object value = readValue(depth + 1);
      if (members.putIfAbsent(key, value) != null) {
        throw errorAt(keyStart, "duplicate key \"" + key + "\"");
      }
      skipWhitespace();
    } while (tryConsume(','));
    expect('}');
    return Collections.unmodifiableMap(members);
  }

  private List<Object> readArray(int depth) throws UnexpectedOutputException {
    expect('[');
    List<Object> elements = new ArrayList<>();
    skipWhitespace();
    if (tryConsume(']')) {
      return Collections.unmodifiableList(elements);
    }
    do {
      skipWhitespace();
      elements.add(readValue(depth + 1));
      skipWhitespace();
    } while (tryConsume(','));
    expect(']');
    return Collections.unmodifiableList(elements);
  }

  private String readString() throws UnexpectedOutputException {
    expect('"');
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(pos++);
      if (c == '"') {
        return sb.toString();
      }
      if (c < 0x20) {
        pos--;
        throw error("unescaped control character " + describe(c) + " in string");
      }
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      if (pos >= text.length()) {
        throw error("unterminated escape");
      }
      char escape = text.charAt(pos++);
      switch (escape) {
        case '"', '\\', '/' -> sb.append(escape);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        // A surrogate pair arrives as two escapes; appending both chars joins them again.
        case 'u' -> sb.append(readHexChar());
        default -> {
          pos--;
          throw error("invalid escape \\" + escape);
        }
      }
    }
  }

  private char readHexChar() throws UnexpectedOutputException {
    int end = pos + 4;
    if (end > text.length()) {
      throw error("truncated \\u escape");
    }
    for (; pos < end; pos++) {
      if (!HexFormat.isHexDigit(text.charAt(pos))) {
        throw error("invalid hex digit in \\u escape");
      }
    }
    return (char) HexFormat.fromHexDigits(text, end - 4, end);
  }

  private BigDecimal readNumber() throws UnexpectedOutputException {
    int start = pos;
    tryConsume('-');
    if (tryConsume('0')) {
      if (pos < text.length() && isDigit(text.charAt(pos))) {
        throw error("leading zero in number");
      }
    } else {
      readDigits();
    }
    if (tryConsume('.')) {
      readDigits();
    }
    if (tryConsume('e') || tryConsume('E')) {
      if (!tryConsume('+')) {
        tryConsume('-');
      }
      readDigits();
    }
    return new BigDecimal(text.substring(start, pos));
  }

  private void readDigits() throws UnexpectedOutputException {
    int start = pos;
    while (pos < text.length() && isDigit(text.charAt(pos))) {
      pos++;
    }
    if (pos == start) {
      throw error("expected a digit");
    }
  }

  private Object readLiteral(String literal, Object value) throws UnexpectedOutputException {
    if (!text.startsWith(literal, pos)) {
      throw error("invalid literal, expected " + literal);
    }
    pos += literal.length();
    return value;
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        return;
      }
      pos++;
    }
  }

  private boolean tryConsume(char c) {
    if (pos < text.length() && text.charAt(pos) == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void expect(char c) throws UnexpectedOutputException {
    if (!tryConsume(c)) {
      throw error(pos < text.length()
          ? "expected '" + c + "' but found " + describe(text.charAt(pos))
          : "expected '" + c + "' but the text ended");
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static String describe(char c) {
    return c >= 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
  }

  private UnexpectedOutputException error(String problem) {
    return errorAt(pos, problem);
  }

  private static UnexpectedOutputException errorAt(int offset, String problem) {
    return new UnexpectedOutputException("invalid JSON: " + problem + " at offset " + offset);
  }
}
