package io.github.xlsnap.cfg;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.cfg.internal.CLong;
import io.github.xlsnap.cfg.internal.Parser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

/**
 * A parsed xl configuration: its text, its statements with positions (a lossless view: comments and
 * layout stay in {@link #text()}), and the final value of each key after every {@code =} and
 * {@code +=} ran, as libxlutil computes it. The typed accessors behave like libxlutil's
 * {@code xlu_cfg_get_*} and name the key and its line when a value has the wrong type. Immutable and
 * thread-safe.
 */
public final class XlConfig {
  private final String source;
  private final String text;
  private final List<Assignment> statements;
  private final Map<String, ConfigValue> values;
  private final Map<String, Assignment> lastAssignment;

  private XlConfig(String source, String text, List<Assignment> statements) {
    this.source = source;
    this.text = text;
    this.statements = List.copyOf(statements);
    Map<String, ConfigValue> vals = new LinkedHashMap<>();
    Map<String, Assignment> last = new LinkedHashMap<>();
    for (Assignment a : statements) {
      ConfigValue prev = vals.get(a.key());
      ConfigValue next = a.value();
      if (a.append() && prev != null) {
        next = append(prev, a);
      }
      vals.remove(a.key());
      vals.put(a.key(), next);
      last.put(a.key(), a);
    }
    this.values = Collections.unmodifiableMap(vals);
    this.lastAssignment = Collections.unmodifiableMap(last);
  }

  private ConfigValue append(ConfigValue prev, Assignment a) {
    if (prev instanceof ConfigValue.Atom p && a.value() instanceof ConfigValue.Atom n) {
      return new ConfigValue.Atom(p.text() + n.text(), false, p.position());
    }
    if (prev instanceof ConfigValue.ListValue p && a.value() instanceof ConfigValue.ListValue n) {
      List<ConfigValue> items = new ArrayList<>(p.items());
      items.addAll(n.items());
      return new ConfigValue.ListValue(items, p.position());
    }
    throw new ConfigSyntaxException(source, a.value().position(),
        prev instanceof ConfigValue.ListValue ? "a list to append to the list" : "a string to append to the string",
        prev instanceof ConfigValue.ListValue ? "a string" : "a list",
        "'" + a.key() + "' is a " + (prev instanceof ConfigValue.ListValue ? "list" : "string")
            + " already; '+=' cannot mix a list and a string");
  }

  /**
   * Parses a configuration text.
   *
   * @param text the text
   * @param source the file name or label used in error messages
   * @return the configuration
   * @throws ConfigSyntaxException if libxlutil would reject the text
   */
  public static XlConfig parse(String text, String source) {
    requireNonNull(text, "text");
    requireNonNull(source, "source");
    return new XlConfig(source, text, Parser.parse(text, source));
  }

  /**
   * Reads and parses a configuration file, which must be UTF-8 (ASCII in practice). libxlutil takes
   * any bytes inside a string; xlsnap, whose values are Java strings, refuses bytes that are not UTF-8
   * and names the first one's line and column.
   *
   * @param file the file
   * @return the configuration, its source being the file's path
   * @throws ConfigSyntaxException if libxlutil would reject the file, or it is not UTF-8
   * @throws ConfigFileUnreadableException if the file cannot be read (missing, a directory, not
   *     readable), the file system's reason in its message
   */
  public static XlConfig read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file); // a directory: IOException "Is a directory"
    } catch (IOException e) {
      throw new ConfigFileUnreadableException(file, e);
    }
    return parse(decode(bytes, file.toString()), file.toString());
  }

  /** Decodes UTF-8, refusing malformed input with the position of its first byte. */
  private static String decode(byte[] bytes, String source) {
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length);
    CoderResult result = decoder.decode(in, out, true);
    if (result.isError()) {
      out.flip();
      String before = out.toString();
      int line = 1;
      int lineStart = 0;
      for (int i = 0; i < before.length(); i++) {
        if (before.charAt(i) == '\n') {
          line++;
          lineStart = i + 1;
        }
      }
      throw new ConfigSyntaxException(source, new SourcePosition(line, before.length() - lineStart + 1), "UTF-8 text",
          String.format("byte 0x%02x, which is not UTF-8", bytes[in.position()] & 0xff),
          "xlsnap reads configuration files as UTF-8 (libxlutil takes other bytes inside strings): convert the file "
          + "to UTF-8");
    }
    decoder.flush(out);
    out.flip();
    return out.toString();
  }

  /**
   * Returns the file name or label given when parsing.
   *
   * @return the source
   */
  public String source() {
    return source;
  }

  /**
   * Returns the text exactly as parsed, comments and layout included.
   *
   * @return the text
   */
  public String text() {
    return text;
  }

  /**
   * Returns every statement in order, including those a later one overrides.
   *
   * @return the statements
   */
  public List<Assignment> statements() {
    return statements;
  }

  /**
   * Returns each key once with its final value, in the order keys were last assigned.
   *
   * @return an unmodifiable map
   */
  public Map<String, ConfigValue> values() {
    return values;
  }

  /**
   * Returns the keys that have a value.
   *
   * @return the keys
   */
  public Set<String> keys() {
    return values.keySet();
  }

  /**
   * Returns a key's final value.
   *
   * @param key the key
   * @return the value, empty if the key is not set
   */
  public Optional<ConfigValue> get(String key) {
    return Optional.ofNullable(values.get(key));
  }

  /**
   * Returns where a key was last assigned.
   *
   * @param key the key
   * @return the position of its last assignment, empty if it is not set
   */
  public Optional<SourcePosition> positionOf(String key) {
    return Optional.ofNullable(lastAssignment.get(key)).map(Assignment::position);
  }

  /**
   * Reads a string, as {@code xlu_cfg_get_string}: a number reads as its text.
   *
   * @param key the key
   * @return the string, empty if the key is not set
   * @throws ConfigValueException if the value is a list
   */
  public Optional<String> getString(String key) {
    ConfigValue v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof ConfigValue.Atom a) {
      return Optional.of(a.text());
    }
    throw wrongType(key, v, "is a list, expected a string or number");
  }

  /**
   * Reads a number, as {@code xlu_cfg_get_long}: C syntax ({@code 0x1f} hex, {@code 017} octal),
   * quoted or not, the whole text being the number, and (as in libxlutil) last set with {@code =},
   * not {@code +=}.
   *
   * @param key the key
   * @return the number, empty if the key is not set
   * @throws ConfigValueException if the value is a list, not a number or out of range
   */
  public OptionalLong getLong(String key) {
    ConfigValue v = values.get(key);
    if (v == null) {
      return OptionalLong.empty();
    }
    if (!(v instanceof ConfigValue.Atom a)) {
      throw wrongType(key, v, "is a list, expected a number");
    }
    if (lastAssignment.get(key).append()) {
      // libxlutil's get_long refuses a value whose last statement was '+=', even on an unset key
      throw wrongType(key, v, "was last set with '+=', which xl cannot read as a number; use '='");
    }
    CLong.Result r = CLong.strtol(a.text());
    return switch (r.status()) {
      case OK -> OptionalLong.of(r.value());
      case RANGE -> throw wrongType(key, v, "'" + a.text() + "' is out of range for a 64-bit number");
      case INVALID -> throw wrongType(key, v, "'" + a.text() + "' is not a number (C syntax: 12, 0x1f, 017)");
    };
  }

  /**
   * Reads a boolean, as {@code xlu_cfg_get_defbool}: a number, non-zero meaning true.
   *
   * @param key the key
   * @return the boolean, empty if the key is not set
   * @throws ConfigValueException if the value is not a number
   */
  public Optional<Boolean> getBoolean(String key) {
    OptionalLong l = getLong(key);
    return l.isPresent() ? Optional.of(l.getAsLong() != 0) : Optional.empty();
  }

  /**
   * Reads a list, as {@code xlu_cfg_get_list}; its items may be atoms or lists.
   *
   * @param key the key
   * @return the items, empty if the key is not set
   * @throws ConfigValueException if the value is not a list
   */
  public Optional<List<ConfigValue>> getList(String key) {
    ConfigValue v = values.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (v instanceof ConfigValue.ListValue l) {
      return Optional.of(l.items());
    }
    throw wrongType(key, v, "is a string, expected a list: write " + key + " = [ ... ]");
  }

  /**
   * Reads a list of strings, as {@code xlu_cfg_get_list} with {@code xlu_cfg_get_listitem}.
   *
   * @param key the key
   * @return the strings, empty if the key is not set
   * @throws ConfigValueException if the value is not a list or an item is a list
   */
  public Optional<List<String>> getStringList(String key) {
    Optional<List<ConfigValue>> items = getList(key);
    if (items.isEmpty()) {
      return Optional.empty();
    }
    List<String> out = new ArrayList<>();
    int i = 0;
    for (ConfigValue item : items.get()) {
      if (!(item instanceof ConfigValue.Atom a)) {
        throw wrongType(key + "[" + i + "]", item, "is a list, expected a string");
      }
      out.add(a.text());
      i++;
    }
    return Optional.of(List.copyOf(out));
  }

  private ConfigValueException wrongType(String key, ConfigValue v, String problem) {
    return new ConfigValueException(source, key, v.position(), problem, null);
  }

  /**
   * Returns the text with every value written back by {@link XlConfigWriter}: the same values, one
   * assignment per key, comments dropped.
   *
   * @return a configuration text that parses to the same {@link #values()}
   */
  @Override
  public String toString() {
    return XlConfigWriter.write(values);
  }
}
