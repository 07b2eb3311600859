package io.github.xlsnap.cfg.internal;

import io.github.xlsnap.cfg.XlDisk;
import io.github.xlsnap.core.DiskFormat;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Xen's disk spec syntax as libxlutil 4.17's {@code xlu_disk_parse} scans it (libxlu_disk_l.l),
 * written from xl-disk-configuration(5) and the behaviour observed against the library: tokens end
 * at a comma; flex's longest match decides between a flag, a {@code key=value} and a positional
 * value, a flag winning a tie; positional values fill target, format, vdev and access in turn,
 * skipping what is already set; a positional vdev may carry a legacy type ({@code hdc:cdrom}). Not thread-safe: one instance per spec.
 */
public final class DiskSpecScanner {
  private static final Pattern KEY = Pattern.compile("[a-z][-a-z0-9]*");
  private static final Pattern PREFIX = Pattern.compile("([a-z][a-z0-9]*):");
  private static final Set<String> FORMAT_PREFIXES = Set.of("raw", "qcow", "qcow2", "vhd");
  private static final Set<String> SCRIPT_PREFIXES = Set.of("iscsi", "nbd", "enbd", "drbd");
  private static final Set<String> IGNORED_PREFIXES = Set.of("tapdisk", "tap", "tap2", "aio", "ioemu", "file", "phy");
  private static final Set<String> STRING_KEYS =
      Set.of("vdev", "script", "backend", "colo-host", "colo-export", "active-disk", "hidden-disk");

  private final String spec;
  private final Map<String, String> strings = new HashMap<>();
  private String target;
  private DiskFormat format = DiskFormat.UNKNOWN;
  private boolean readWrite = true;
  private boolean accessSet;
  private boolean cdrom;
  private boolean directIoSafe;
  private Boolean discard;
  private String backendType;
  private String specification;
  private boolean hadPrefix;

  private DiskSpecScanner(String spec) {
    this.spec = spec;
  }

  /**
   * Parses one spec.
   *
   * @param spec the spec
   * @return the disk
   * @throws IllegalArgumentException if libxlutil would reject it
   */
  public static XlDisk parse(String spec) {
    int nul = spec.indexOf('\0');
    if (nul >= 0) {
      // A C string ends at its first NUL: libxlutil could never see the rest, and no path holds one.
      throw new IllegalArgumentException("a disk spec cannot contain a NUL character (at index " + nul + ")");
    }
    return new DiskSpecScanner(spec).run();
  }

  private XlDisk run() {
    int pos = 0;
    int n = spec.length();
    while (pos < n) {
      while (pos < n && (spec.charAt(pos) == ' ' || spec.charAt(pos) == '\t' || spec.charAt(pos) == '\n')) {
        pos++;
      }
      if (pos >= n) {
        break;
      }
      String rest = spec.substring(pos);
      Matcher prefix = PREFIX.matcher(rest);
      if (prefix.lookingAt()) {
        String p = prefix.group(1);
        boolean known = FORMAT_PREFIXES.contains(p) || SCRIPT_PREFIXES.contains(p) || IGNORED_PREFIXES.contains(p);
        char after = rest.length() > prefix.end() ? rest.charAt(prefix.end()) : 0;
        boolean unknownShape = after == 0 || !((after >= 'a' && after <= 'z') || (after >= '0' && after <= '9'));
        if (known) {
          hadPrefix = true;
          if (FORMAT_PREFIXES.contains(p)) {
            DiskFormat f = DiskFormat.fromXlName(p).orElseThrow();
            if (format != DiskFormat.UNKNOWN && format != f) {
              throw error("format respecified", p);
            }
            format = f;
          } else if (SCRIPT_PREFIXES.contains(p)) {
            saveString("script", "block-" + p);
          }
          pos += prefix.end();
          continue;
        } else if (unknownShape) {
          throw error("unknown deprecated disk prefix", p + ":");
        }
      }
      if (rest.startsWith("target=")) {
        String value = rest.substring("target=".length());
        if (value.endsWith(",")) {
          value = value.substring(0, value.length() - 1);
        }
        if (target != null && !target.isEmpty()) { // libxlutil's savestring overwrites an empty value
          throw error("target respecified", value);
        }
        target = value;
        break;
      }
      int comma = rest.indexOf(',');
      String token = comma < 0 ? rest : rest.substring(0, comma);
      pos += comma < 0 ? rest.length() : comma + 1;
      int eq = token.indexOf('=');
      if (eq >= 0) {
        String key = token.substring(0, eq);
        if (!KEY.matcher(key).matches()) {
          throw error("bad disk syntax", rest.substring(eq));
        }
        keyValue(key, token.substring(eq + 1), token);
      } else {
        if (!flag(token)) {
          positional(token);
        }
      }
    }
    if (format == DiskFormat.UNKNOWN) {
      format = DiskFormat.RAW;
    }
    boolean removable = false;
    if (cdrom) {
      removable = true;
      readWrite = false;
      if (target == null || target.isEmpty()) {
        format = DiskFormat.EMPTY;
      }
    }
    String vdev = strings.get("vdev");
    if (vdev == null) {
      throw new IllegalArgumentException("no vdev specified in '" + spec + "': give the guest's device, e.g. vdev=xvda");
    }
    if (target == null && !removable) {
      throw new IllegalArgumentException("no target specified (and device not removable) in '" + spec
          + "': give the image, e.g. target=/path/disk.img");
    }
    return new XlDisk(Optional.ofNullable(target), vdev, format, Optional.ofNullable(backendType),
        Optional.ofNullable(strings.get("script")), Optional.ofNullable(strings.get("backend")), readWrite, cdrom,
        removable, directIoSafe, Optional.ofNullable(discard), Optional.ofNullable(specification));
  }

  private boolean flag(String token) {
    switch (token) {
      case "cdrom" -> cdrom = true;
      case "direct-io-safe" -> directIoSafe = true;
      case "discard" -> discard = true;
      case "no-discard" -> discard = false;
      case "colo", "no-colo" -> { }
      default -> {
        return false;
      }
    }
    return true;
  }

  private void keyValue(String key, String value, String token) {
    switch (key) {
      case "format" -> {
        DiskFormat before = format;
        setFormat(value);
        if (before != DiskFormat.UNKNOWN && before != format) {
          throw error("format respecified", value);
        }
      }
      case "access" -> setAccess(value);
      case "devtype" -> {
        switch (value) {
          case "cdrom" -> cdrom = true;
          case "disk" -> cdrom = false;
          default -> throw error("unknown value for type", token);
        }
      }
      case "backendtype" -> {
        if (!Set.of("phy", "tap", "qdisk", "standalone").contains(value)) {
          throw error("unknown value for backendtype", value);
        }
        if (backendType != null && !backendType.equals(value)) {
          throw error("backend respecified", value);
        }
        backendType = value;
      }
      case "specification" -> {
        if (!Set.of("xen", "virtio").contains(value)) {
          throw error("unknown value for specification", value);
        }
        if (specification != null && !specification.equals(value)) {
          throw error("specification respecified", value);
        }
        specification = value;
      }
      case "colo-port" -> {
        if (!value.matches("[0-9]+")) {
          throw error("unknown value for colo-port", value);
        }
      }
      default -> {
        if (!STRING_KEYS.contains(key)) {
          throw error("unknown parameter", token);
        }
        saveString(key, value);
      }
    }
  }

  private void positional(String token) {
    if (target == null) {
      target = token;
    } else if (!hadPrefix && format == DiskFormat.UNKNOWN) {
      // the legacy ",hdc:cdrom" of an empty drive: no format, the vdev and type in its place
      if (target.isEmpty() && vdevAndDevtype(token)) {
        format = DiskFormat.EMPTY;
      } else {
        setFormat(token);
      }
    } else if (!strings.containsKey("vdev")) {
      if (!vdevAndDevtype(token)) {
        strings.put("vdev", token);
      }
    } else if (!accessSet) {
      setAccess(token);
      accessSet = true;
    } else {
      throw error("too many positional parameters", token);
    }
  }

  /**
   * The legacy positional {@code <vdev>:<devtype>} ({@code hdc:cdrom}, {@code xvda:disk}), as
   * libxlutil's {@code vdev_and_devtype}: the vdev is what precedes the last colon.
   *
   * @return false, changing nothing, if the token has no colon
   */
  private boolean vdevAndDevtype(String token) {
    int colon = token.lastIndexOf(':');
    if (colon < 0) {
      return false;
    }
    saveString("vdev", token.substring(0, colon));
    String type = token.substring(colon + 1);
    switch (type) {
      case "cdrom" -> cdrom = true;
      case "disk" -> cdrom = false;
      default -> throw error("unknown deprecated type", type);
    }
    return true;
  }

  private void setFormat(String value) {
    if (value.isEmpty()) {
      format = DiskFormat.RAW;
      return;
    }
    Optional<DiskFormat> f = Set.of("raw", "qcow", "qcow2", "vhd", "qed", "empty").contains(value)
        ? DiskFormat.fromXlName(value) : Optional.empty();
    format = f.orElseThrow(() -> error("unknown value for format (raw, qcow, qcow2, vhd, qed, empty)", value));
  }

  private void setAccess(String value) {
    switch (value) {
      case "", "rw", "w" -> readWrite = true;
      case "r", "ro" -> readWrite = false;
      default -> throw error("unknown value for access (r, ro, w, rw)", value);
    }
  }

  private void saveString(String key, String value) {
    // as libxlutil's savestring: a value may replace an empty one, never a non-empty one
    if (strings.containsKey(key) && !strings.get(key).isEmpty()) {
      throw error(key + " respecified", value);
    }
    strings.put(key, value);
  }

  private IllegalArgumentException error(String problem, String near) {
    return new IllegalArgumentException(problem + ": near '" + near + "' in '" + spec + "'");
  }
}
