package io.github.xlsnap.cfg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads the oracle's JSON lines: objects, arrays, strings, integers, true/false/null. */
final class MiniJson {
  private final String s;
  private int i;

  private MiniJson(String s) {
    this.s = s;
  }

  static Object parse(String s) {
    MiniJson p = new MiniJson(s);
    Object v = p.value();
    if (p.i != s.length()) {
      throw new IllegalArgumentException("trailing data in " + s);
    }
    return v;
  }

  private Object value() {
    char c = s.charAt(i);
    switch (c) {
      case '{' -> {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        if (s.charAt(i) == '}') {
          i++;
          return m;
        }
        while (true) {
          String k = (String) value();
          i++; // ':'
          m.put(k, value());
          if (s.charAt(i++) == '}') {
            return m;
          }
        }
      }
      case '[' -> {
        List<Object> l = new ArrayList<>();
        i++;
        if (s.charAt(i) == ']') {
          i++;
          return l;
        }
        while (true) {
          l.add(value());
          if (s.charAt(i++) == ']') {
            return l;
          }
        }
      }
      case '"' -> {
        StringBuilder b = new StringBuilder();
        i++;
        while (true) {
          char d = s.charAt(i++);
          if (d == '"') {
            return b.toString();
          }
          if (d == '\\') {
            char e = s.charAt(i++);
            switch (e) {
              case 'n' -> b.append('\n');
              case 'u' -> {
                b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                i += 4;
              }
              default -> b.append(e);
            }
          } else {
            b.append(d);
          }
        }
      }
      default -> {
        int start = i;
        while (i < s.length() && ",}]".indexOf(s.charAt(i)) < 0) {
          i++;
        }
        String t = s.substring(start, i);
        return switch (t) {
          case "null" -> null;
          case "true" -> Boolean.TRUE;
          case "false" -> Boolean.FALSE;
          default -> Long.parseLong(t);
        };
      }
    }
  }
}
