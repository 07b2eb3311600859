package io.github.xlsnap.cfg.internal;

import io.github.xlsnap.cfg.Assignment;
import io.github.xlsnap.cfg.ConfigSyntaxException;
import io.github.xlsnap.cfg.ConfigValue;
import io.github.xlsnap.cfg.SourcePosition;
import java.util.ArrayList;
import java.util.List;

/**
 * The xl configuration language as libxlutil 4.17 lexes and parses it (libxlu_cfg_l.l,
 * libxlu_cfg_y.y), written from its documented and observed behaviour. A hand-written lexer and a
 * recursive-descent parser; list nesting is bounded by {@link #MAX_DEPTH} so that no input can
 * overflow the stack. Stops at the first error. Not thread-safe: one instance per parse.
 */
public final class Parser {
  /** The deepest list nesting accepted. libxlutil's bison stack gives out near 10000/3 levels. */
  public static final int MAX_DEPTH = 1000;

  private final String text;
  private final String source;
  private int pos;
  private int line = 1;
  private int lineStart;

  private Parser(String text, String source) {
    // libxlutil ignores a lexically invalid byte when it is the very last one (its flex error state
    // never sees the end of that token): 'a=1 B', 'a=1\\' and a final '\r' are all accepted.
    this.text = endsWithStrayByte(text) ? text.substring(0, text.length() - 1) : text;
    this.source = source;
  }

  /**
   * Parses a configuration.
   *
   * @param text the text
   * @param source its file name or label, for error messages
   * @return the statements in order
   * @throws ConfigSyntaxException for anything libxlutil rejects
   */
  public static List<Assignment> parse(String text, String source) {
    return new Parser(text, source).file();
  }

  private static boolean endsWithStrayByte(String text) {
    if (text.isEmpty()) {
      return false;
    }
    char c = text.charAt(text.length() - 1);
    return c < 0x80 && !isIdentStart(c) && !isDigit(c) && "'\" \t\n#;,=[]".indexOf(c) < 0
        && !endsInsideString(text);
  }

  /**
   * Whether the text ends inside a quoted string: then its last byte belongs to that (unterminated)
   * string token, which libxlutil reports, rather than being a stray byte of its own ('\n"B').
   */
  private static boolean endsInsideString(String text) {
    char open = 0;
    for (int i = text.lastIndexOf('\n') + 1; i < text.length() - 1; i++) {
      char c = text.charAt(i);
      if (open != 0) {
        if (c == '\\') {
          i++;
        } else if (c == open) {
          open = 0;
        }
      } else if (c == '#') {
        return false;
      } else if (c == '"' || c == '\'') {
        open = c;
      }
    }
    return open != 0;
  }

  /** A quote as the very last char: libxlutil drops it like any stray final byte. */
  private boolean isStrayFinalQuote() {
    return pos == text.length() - 1 && (peek() == '\'' || peek() == '"');
  }

  private List<Assignment> file() {
    List<Assignment> out = new ArrayList<>();
    while (true) {
      skipBlanks();
      if (atEnd()) {
        return out;
      }
      char c = peek();
      if (isStrayFinalQuote()) {
        return out;
      }
      if (c == '\n' || c == '#') {
        newline();
        continue;
      }
      if (c == ';') {
        pos++;
        continue;
      }
      out.add(assignment());
      skipBlanks();
      if (atEnd()) {
        return out;
      }
      c = peek();
      if (isStrayFinalQuote()) {
        return out;
      }
      if (c == ';') {
        pos++;
      } else if (c == '\n' || c == '#') {
        newline();
      } else if (isIdentStart(c) || isDigit(c) || c == '\'' || c == '"' || c == '[' || c == ']' || c == ',') {
        throw error("end of statement (newline or ';')", describeToken(),
            "put each assignment on its own line or separate them with ';'");
      } else {
        throw lexical("end of statement (newline or ';')");
      }
    }
  }

  private Assignment assignment() {
    int start = pos;
    SourcePosition at = here();
    char c = peek();
    if (!isIdentStart(c)) {
      if (c >= 'A' && c <= 'Z') {
        throw error("a key", quoted(word()), "keys are lowercase: write '" + word().toLowerCase(java.util.Locale.ROOT) + "'");
      }
      if (isDigit(c)) {
        throw error("a key", quoted(word()), "a key starts with a lowercase letter");
      }
      throw lexical("a key");
    }
    while (!atEnd() && isIdentPart(peek())) {
      pos++;
    }
    String key = text.substring(start, pos);
    if (!atEnd() && peek() >= 'A' && peek() <= 'Z') {
      throw error("'=' or '+='", quoted(String.valueOf(peek())), "keys are lowercase: write '" + key
          + word().toLowerCase(java.util.Locale.ROOT) + "'");
    }
    skipBlanks();
    boolean append;
    if (!atEnd() && peek() == '=') {
      append = false;
      pos++;
    } else if (pos + 1 < text.length() && peek() == '+' && text.charAt(pos + 1) == '=') {
      append = true;
      pos += 2;
    } else {
      throw atEnd() ? error("'=' or '+='", "end of file", "") : lexOr("'=' or '+='");
    }
    skipBlanks();
    ConfigValue value = value(0);
    return new Assignment(key, append, value, at, start, pos);
  }

  private ConfigValue value(int depth) {
    if (atEnd()) {
      throw error("a value ('...', \"...\", a number or '[')", "end of file", "");
    }
    char c = peek();
    SourcePosition at = here();
    if (c == '\'' || c == '"') {
      return new ConfigValue.Atom(string(), false, at);
    }
    if (isDigit(c)) {
      int start = pos;
      while (!atEnd() && isNumberPart(peek())) {
        pos++;
      }
      return new ConfigValue.Atom(text.substring(start, pos), true, at);
    }
    if (c == '[') {
      if (depth >= MAX_DEPTH) {
        throw error("at most " + MAX_DEPTH + " nested lists", "'['", "lists nested this deep are not supported");
      }
      pos++;
      List<ConfigValue> items = new ArrayList<>();
      skipListSpace();
      if (!atEnd() && peek() == ']') {
        pos++;
        return new ConfigValue.ListValue(items, at);
      }
      while (true) {
        items.add(value(depth + 1));
        skipListSpace();
        if (atEnd()) {
          throw error("',' or ']'", "end of file", "the list opened at " + at + " is not closed");
        }
        char d = peek();
        if (d == ']') {
          pos++;
          return new ConfigValue.ListValue(items, at);
        }
        if (d != ',') {
          throw lexOr("',' or ']'");
        }
        pos++;
        skipListSpace();
        if (!atEnd() && peek() == ']') {
          pos++;
          return new ConfigValue.ListValue(items, at);
        }
      }
    }
    if (c == '\n' || c == '#') {
      throw error("a value ('...', \"...\", a number or '[')", "end of line", "");
    }
    if (c == '-' && pos + 1 < text.length() && isDigit(text.charAt(pos + 1))) {
      throw error("a value", quoted(word()), "negative numbers must be quoted: write '" + word() + "'");
    }
    if (isIdentStart(c) || (c >= 'A' && c <= 'Z')) {
      throw error("a value ('...', \"...\", a number or '[')", quoted(word()), "quote strings: write '" + word() + "'");
    }
    throw lexOr("a value ('...', \"...\", a number or '[')");
  }

  /** Lexes a quoted string and resolves its escapes as libxlutil's dequote does. */
  private String string() {
    SourcePosition at = here();
    char quote = peek();
    int start = pos;
    pos++;
    StringBuilder out = new StringBuilder();
    while (true) {
      if (atEnd() || peek() == '\n') {
        throw error("the closing " + quote, atEnd() ? "end of file" : "end of line",
            "the string that began at " + at + " must end on the same line");
      }
      char c = text.charAt(pos);
      if (c == '\0') {
        throw error("a character", "a NUL byte", "xl cannot read a NUL byte (libxlutil aborts on one in a string)");
      }
      if (c == quote) {
        pos++;
        return out.toString();
      }
      if (c != '\\') {
        out.append(c);
        pos++;
        continue;
      }
      SourcePosition escapeAt = here();
      pos++;
      if (atEnd() || peek() == '\n') {
        throw error("a character after '\\'", atEnd() ? "end of file" : "end of line",
            "the string that began at " + at + " must end on the same line");
      }
      char e = text.charAt(pos++);
      switch (e) {
        case '\'', '"', '\\' -> out.append(e);
        case 'a' -> out.append('\u0007');
        case 'b' -> out.append('\b');
        case 'f' -> out.append('\f');
        case 'n' -> out.append('\n');
        case 'r' -> out.append('\r');
        case 't' -> out.append('\t');
        case 'v' -> out.append('\u000b');
        case 'x' -> throw new ConfigSyntaxException(source, escapeAt, "an escape libxlutil can read", "'\\x'",
            "libxlutil 4.17 rejects every \\xHH escape (a bug); write the character itself");
        default -> {
          if (e >= '0' && e <= '7') {
            octalQuirk(escapeAt, start);
          } else {
            throw new ConfigSyntaxException(source, escapeAt, "one of \\' \\\" \\\\ \\a \\b \\f \\n \\r \\t \\v",
                quoted("\\" + e), "write a backslash as '\\\\'");
          }
        }
      }
    }
  }

  /**
   * libxlutil's octal escape: after {@code \d} it runs strtoul(base 8) over the next three chars of
   * the token, needs it to consume at least two, skips what it consumed and drops the character.
   */
  private void octalQuirk(SourcePosition escapeAt, int tokenStart) {
    int limit = Math.min(pos + 3, text.length());
    int i = pos;
    while (i < limit && isCSpace(text.charAt(i))) {
      i++;
    }
    if (i < limit && (text.charAt(i) == '+' || text.charAt(i) == '-')) {
      i++;
    }
    int digits = i;
    while (i < limit && text.charAt(i) >= '0' && text.charAt(i) <= '7') {
      i++;
    }
    int consumed = i > digits ? i - pos : 0;
    if (consumed < 2) {
      throw new ConfigSyntaxException(source, escapeAt, "an escape libxlutil can read", quoted(text.substring(pos - 2, limit)),
          "libxlutil 4.17 drops octal escapes (\\NNN) and rejects short ones (a bug); write the character itself");
    }
    pos += consumed;
  }

  private static boolean isCSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\f' || c == '\r';
  }

  private void skipBlanks() {
    while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
      pos++;
    }
  }

  private void skipListSpace() {
    while (true) {
      skipBlanks();
      if (!atEnd() && (peek() == '\n' || peek() == '#')) {
        newline();
      } else {
        return;
      }
    }
  }

  /** Consumes a newline or a comment with its newline. */
  private void newline() {
    if (peek() == '#') {
      SourcePosition at = here();
      int nl = text.indexOf('\n', pos);
      if (nl < 0) {
        throw new ConfigSyntaxException(source, at, "a newline at the end of the comment", "end of file",
            "xl needs a newline after a comment on the last line");
      }
      pos = nl;
    }
    pos++;
    line++;
    lineStart = pos;
  }

  private ConfigSyntaxException lexOr(String expected) {
    return atEnd() ? error(expected, "end of file", "") : lexical(expected);
  }

  private ConfigSyntaxException lexical(String expected) {
    char c = peek();
    return switch (c) {
      case '\\' -> error(expected, "'\\'", "xl has no line continuation: a list may span lines, a string may not");
      case '\r' -> error(expected, "a carriage return", "the file has Windows (CRLF) line endings; xl reads only \\n");
      case '-' -> error(expected, "'-'", "negative numbers must be quoted, e.g. '-1'");
      case '+' -> error(expected, "'+'", "arithmetic is not supported; '+=' appends");
      case '\0' -> error(expected, "a NUL byte", "");
      default -> {
        if (isIdentStart(c) || isDigit(c)) {
          yield error(expected, quoted(word()), "");
        }
        yield error(expected, quoted(String.valueOf(Character.toChars(text.codePointAt(pos)))),
            c == '(' || c == ':' || c == '.' ? "this looks like Python, which xl no longer reads" : "");
      }
    };
  }

  private ConfigSyntaxException error(String expected, String found, String hint) {
    return new ConfigSyntaxException(source, here(), expected, found, hint);
  }

  private String describeToken() {
    return atEnd() ? "end of file" : quoted(word());
  }

  /** The run of non-separator chars at the cursor, for messages. */
  private String word() {
    int end = pos;
    while (end < text.length() && end - pos < 40) {
      char c = text.charAt(end);
      if (c == ' ' || c == '\t' || c == '\n' || c == ',' || c == ';' || c == ']' || c == '=' || c == '#') {
        break;
      }
      end++;
    }
    return end == pos ? String.valueOf(peek()) : text.substring(pos, end);
  }

  private static String quoted(String s) {
    return "'" + s + "'";
  }

  private SourcePosition here() {
    return new SourcePosition(line, pos - lineStart + 1);
  }

  private boolean atEnd() {
    return pos >= text.length();
  }

  private char peek() {
    return text.charAt(pos);
  }

  private static boolean isIdentStart(char c) {
    return c >= 'a' && c <= 'z';
  }

  private static boolean isIdentPart(char c) {
    return isIdentStart(c) || isDigit(c) || c == '_' || c == '.';
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isNumberPart(char c) {
    return isDigit(c) || (c >= 'a' && c <= 'f') || c == 'x';
  }
}
