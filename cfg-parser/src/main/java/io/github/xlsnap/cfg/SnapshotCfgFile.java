package io.github.xlsnap.cfg;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.InvalidSnapshotSpecException;
import io.github.xlsnap.core.SnapshotNames;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The cfgfile of {@code xl snapshot-create <domain> [<cfgfile>]} (the seed design, section 2): keys
 * {@code name}, {@code description}, {@code memory_path} and {@code disks}, read into core's
 * {@link CreateSpec}. An empty string leaves a field at its default, as the seed's template does.
 * Disk items take the seed's form {@code 'target,external?,format,path'} ({@code 'sda,1,qcow2,/p.qcow2'}
 * external, {@code 'sda,0'} internal) or the later RFC form {@code 'path,format,target'}
 * ({@code '/p.qcow2,qcow2,hda'} external, {@code ',,hda'} internal). Combine with command-line options
 * by {@code SnapshotCfgFile.read(file).overriding(options)}: the cfgfile wins. Stateless and thread-safe.
 */
public final class SnapshotCfgFile {
  /** The keys a snapshot cfgfile may hold. */
  public static final Set<String> KEYS = Set.of("name", "description", "memory_path", "disks");

  private SnapshotCfgFile() {}

  /**
   * Reads and checks a snapshot cfgfile.
   *
   * @param file the cfgfile
   * @return the snapshot spec it describes
   * @throws ConfigSyntaxException if xl could not parse the file
   * @throws ConfigValueException for an unknown key, a wrong type or an invalid value, naming the key
   *     and its line
   * @throws ConfigFileUnreadableException if the file cannot be read (missing, a directory, not
   *     readable), the file system's reason in its message
   */
  public static CreateSpec read(Path file) {
    return toSpec(XlConfig.read(file));
  }

  /**
   * Parses and checks a snapshot cfgfile's text.
   *
   * @param text the text
   * @param source its file name or label, for errors
   * @return the snapshot spec it describes
   * @throws ConfigSyntaxException if xl could not parse the text
   * @throws ConfigValueException for an unknown key, a wrong type or an invalid value
   */
  public static CreateSpec parse(String text, String source) {
    return toSpec(XlConfig.parse(text, source));
  }

  /**
   * Checks a parsed configuration as a snapshot cfgfile.
   *
   * @param config the configuration
   * @return the snapshot spec it describes
   * @throws ConfigValueException for an unknown key, a wrong type or an invalid value
   */
  public static CreateSpec toSpec(XlConfig config) {
    for (String key : config.keys()) {
      if (!KEYS.contains(key)) {
        throw error(config, key, config.positionOf(key).orElseThrow(),
            "unknown key in a snapshot cfgfile; the keys are name, description, memory_path and disks", null);
      }
    }
    CreateSpec.Builder b = CreateSpec.builder();
    config.getString("name").filter(s -> !s.isEmpty()).ifPresent(name -> {
      try {
        b.name(SnapshotNames.validate(name));
      } catch (InvalidSnapshotSpecException e) {
        throw error(config, "name", config.get("name").orElseThrow().position(), e.getMessage(), e);
      }
    });
    config.getString("description").filter(s -> !s.isEmpty()).ifPresent(b::description);
    config.getString("memory_path").filter(s -> !s.isEmpty()).ifPresent(p -> {
      Path path = Path.of(p);
      if (!path.isAbsolute()) {
        throw error(config, "memory_path", config.get("memory_path").orElseThrow().position(),
            "'" + p + "' is relative; give an absolute path", null);
      }
      b.memoryPath(path);
    });
    if (config.get("disks").isPresent()) {
      List<ConfigValue> items = config.getList("disks").orElseThrow();
      List<DiskSpec> disks = new ArrayList<>();
      Map<String, SourcePosition> seen = new HashMap<>();
      for (int i = 0; i < items.size(); i++) {
        String key = "disks[" + i + "]";
        if (!(items.get(i) instanceof ConfigValue.Atom a)) {
          throw error(config, key, items.get(i).position(), "is a list; write each disk as one string, e.g. 'xvda,0'", null);
        }
        DiskSpec d = disk(config, key, a);
        SourcePosition first = seen.putIfAbsent(d.target(), a.position());
        if (first != null) {
          throw error(config, key, a.position(), "disk " + d.target() + " is listed twice (first at " + first + ")", null);
        }
        disks.add(d);
      }
      b.disks(disks);
    }
    return b.build();
  }

  private static DiskSpec disk(XlConfig config, String key, ConfigValue.Atom item) {
    String[] f = item.text().split(",", -1);
    SourcePosition at = item.position();
    String target;
    boolean external;
    String format;
    String path;
    if (f.length >= 2 && f.length <= 4 && (f[1].equals("0") || f[1].equals("1"))) {
      target = f[0];
      external = f[1].equals("1");
      format = f.length > 2 ? f[2] : "";
      path = f.length > 3 ? f[3] : "";
    } else if (f.length == 3) {
      path = f[0];
      format = f[1];
      target = f[2];
      external = !path.isEmpty() || !format.isEmpty();
    } else {
      throw error(config, key, at, "'" + item.text() + "' is not a disk spec; write 'target,1,qcow2,/abs/path.qcow2'"
          + " (external), 'target,0' (internal) or the RFC form '/abs/path.qcow2,qcow2,target' / ',,target'", null);
    }
    if (target.isEmpty()) {
      throw error(config, key, at, "'" + item.text() + "' names no disk; the target is the guest's device, e.g. xvda", null);
    }
    if (!external) {
      if (!format.isEmpty() || !path.isEmpty()) {
        throw error(config, key, at, "disk " + target + " is internal; a format and path are only for external snapshots", null);
      }
      return DiskSpec.internal(target);
    }
    if (!format.isEmpty()) {
      Optional<DiskFormat> df = DiskFormat.fromXlName(format);
      if (df.isEmpty() || df.get() != DiskFormat.QCOW2) {
        throw error(config, key, at, "disk " + target + ": format '" + format
            + "' is not supported for an external snapshot; the only one is qcow2", null);
      }
    }
    if (path.isEmpty()) {
      throw error(config, key, at, "disk " + target + " is external but has no path; give the overlay's absolute path", null);
    }
    Path p = Path.of(path);
    if (!p.isAbsolute()) {
      throw error(config, key, at, "disk " + target + ": path '" + path + "' is relative; give an absolute path", null);
    }
    return new DiskSpec(target, DiskSnapshotMode.EXTERNAL, Optional.of(DiskFormat.QCOW2), Optional.of(p));
  }

  private static ConfigValueException error(
      XlConfig config, String key, SourcePosition at, String problem, @Nullable Throwable cause) {
    return new ConfigValueException(config.source(), key, at, problem, cause);
  }
}
