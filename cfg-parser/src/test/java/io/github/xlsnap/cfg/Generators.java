package io.github.xlsnap.cfg;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Random xl configs, token soups, value maps and disk specs, deterministic for a seed. */
final class Generators {
  private static final String[] KEYS = {"a", "b", "name", "disk", "x.y", "l_2"};
  private static final String[] ATOMS = {"1", "0x10", "010", "09", "0", "1x", "99999999999999999999", "'s'", "\"t\"",
      "'a\\'b'", "\"q\\\"\"", "'\\101x'", "'\\1 1y'", "'\\n\\t\\a\\v'", "'it\"s'", "\"x'y\"", "''", "'-5'", "' 12'",
      "'0x7fffffffffffffff'", "'\u00e9\u4e2d'", "'sp ace'", "'#no comment'", "'a,b;c'"};
  private static final String[] SOUP = {"a", "B", "name", "x.y", "_k", "=", "+=", " ", "\t", "\n", ";", "#c\n", "#c",
      "1", "0x", "-1", "'s'", "\"t\"", "'", "\"", "[", "]", ",", "\\", "\r", "'\\x41'", "'\\0'", "'\\10'", "'\\101'",
      "'\\q'", "(", ":", "m", "'\u00e9'", "\u00e9"};
  private static final String[] DISK = {"/dev/vg/g", "/img/a.qcow2", "", "raw", "qcow2", "qcow", "vhd", "qed", "empty",
      "foo", "hda", "xvda", "r", "ro", "w", "rw", "x", "cdrom", "format=qcow2", "format=", "vdev=xvdb", "access=ro",
      "access=", "devtype=cdrom", "devtype=disk", "devtype=x", "backendtype=qdisk", "backendtype=phy",
      "backendtype=tap", "backendtype=bad", "backend=dom0", "script=block-x", "discard", "no-discard",
      "direct-io-safe", "colo", "specification=xen", "specification=virtio", "transport=mmio", "unknown=1", " xvdc",
      "phy:/dev/x", "raw:/img/r", "tap:aio:/img/t", "iscsi:iqn.1", "nbd:h1", "zz:/x", "target=/t,u", "A=1", "/a=b",
      "hdc:cdrom", "xvdb:disk", "hdd:x", "a:b:cdrom", ":disk", "hdc:"};

  private Generators() {}

  static String config(Random r) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(8);
    for (int i = 0; i < n; i++) {
      b.append(r.nextInt(4) == 0 ? "  " : "").append(KEYS[r.nextInt(KEYS.length)]);
      b.append(r.nextInt(3) == 0 ? " += " : r.nextBoolean() ? "=" : " = ");
      b.append(value(r, 0));
      b.append(r.nextInt(5) == 0 ? " # note" : "");
      b.append(r.nextInt(4) == 0 ? ";" : "\n");
      if (r.nextInt(6) == 0) {
        b.append("\n# comment line\n");
      }
    }
    return b.toString();
  }

  private static String value(Random r, int depth) {
    if (depth < 3 && r.nextInt(3) == 0) {
      StringBuilder b = new StringBuilder("[");
      int n = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        b.append(i == 0 ? "" : r.nextBoolean() ? ", " : ",\n  ").append(value(r, depth + 1));
      }
      if (n > 0 && r.nextInt(3) == 0) {
        b.append(",");
      }
      return b.append(r.nextInt(4) == 0 ? "\n]" : "]").toString();
    }
    return ATOMS[r.nextInt(ATOMS.length)];
  }

  static String soup(Random r) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(16);
    for (int i = 0; i < n; i++) {
      b.append(SOUP[r.nextInt(SOUP.length)]);
    }
    return b.toString();
  }

  static Map<String, ConfigValue> values(Random r) {
    Map<String, ConfigValue> m = new LinkedHashMap<>();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      m.put(KEYS[r.nextInt(KEYS.length)], randomValue(r, 0));
    }
    return m;
  }

  static ConfigValue randomValue(Random r, int depth) {
    SourcePosition p = new SourcePosition(1, 1);
    if (depth < 3 && r.nextInt(3) == 0) {
      List<ConfigValue> items = new ArrayList<>();
      int n = r.nextInt(4);
      for (int i = 0; i < n; i++) {
        items.add(randomValue(r, depth + 1));
      }
      return new ConfigValue.ListValue(items, p);
    }
    if (r.nextInt(4) == 0) {
      return new ConfigValue.Atom(Long.toString(r.nextInt(100000)), true, p);
    }
    StringBuilder s = new StringBuilder();
    int n = r.nextInt(10);
    for (int i = 0; i < n; i++) {
      int kind = r.nextInt(10);
      s.appendCodePoint(kind == 0 ? 1 + r.nextInt(31) : kind == 1 ? "'\"\\#,;[] ".charAt(r.nextInt(9))
          : kind == 2 ? 0xa0 + r.nextInt(0x3000) : 0x21 + r.nextInt(0x5e));
    }
    return new ConfigValue.Atom(s.toString(), false, p);
  }

  static String diskSpec(Random r) {
    StringBuilder b = new StringBuilder();
    int n = r.nextInt(6);
    for (int i = 0; i < n; i++) {
      b.append(i == 0 ? "" : ",").append(DISK[r.nextInt(DISK.length)]);
    }
    if (r.nextInt(5) == 0) {
      b.append(",");
    }
    return b.toString();
  }
}
