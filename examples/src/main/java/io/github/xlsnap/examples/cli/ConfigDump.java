package io.github.xlsnap.examples.cli;

import io.github.xlsnap.cfg.ConfigValue;
import io.github.xlsnap.cfg.DomainXlConfig;
import io.github.xlsnap.cfg.SnapshotCfgFile;
import io.github.xlsnap.cfg.XlConfig;
import io.github.xlsnap.cfg.XlDisk;
import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DiskSpec;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code config-dump}: prints what xlsnap understood of an xl config file, as one JSON document of
 * the {@code --json} schema whose {@code "config"} holds the file's keys (xl's names and units): each
 * key once with its final value, strings and numbers as JSON strings exactly as libxlutil's
 * {@code xlu_cfg_get_string} returns them, lists as arrays.
 */
@Command(name = "config-dump", mixinStandardHelpOptions = true,
    description = "Print what xlsnap read from an xl config file, as JSON: every key with its final value, or "
        + "with --snapshot the snapshot spec of a snapshot cfgfile, or with --domain the domain description.")
final class ConfigDump implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "<file>") Path file;

  @ArgGroup(exclusive = true)
  View view;

  static final class View {
    @Option(names = "--snapshot", required = true, description = "Read it as a snapshot cfgfile.") boolean snapshot;
    @Option(names = "--domain", required = true, description = "Read it as a domain's xl.cfg.") boolean domain;
  }

  @Override
  public Integer call() {
    Path path = file.toAbsolutePath();
    Object config;
    String kind;
    if (view != null && view.snapshot) {
      config = snapshot(SnapshotCfgFile.read(path));
      kind = "snapshot-cfgfile";
    } else if (view != null && view.domain) {
      config = domain(DomainXlConfig.read(path));
      kind = "domain-config";
    } else {
      config = values(XlConfig.read(path));
      kind = "xl-config";
    }
    com.fasterxml.jackson.databind.node.ObjectNode doc = Json.document();
    doc.put("file", path.toString());
    doc.put("kind", kind);
    doc.set("config", Json.tree(config));
    spec.commandLine().getOut().println(Json.write(doc));
    spec.commandLine().getOut().flush();
    return ExitCodes.OK;
  }

  static Map<String, Object> values(XlConfig config) {
    Map<String, Object> m = new LinkedHashMap<>();
    config.values().forEach((k, v) -> m.put(k, value(v)));
    return m;
  }

  private static Object value(ConfigValue v) {
    if (v instanceof ConfigValue.Atom a) {
      return a.text();
    }
    return ((ConfigValue.ListValue) v).items().stream().map(ConfigDump::value).toList();
  }

  static Map<String, Object> snapshot(CreateSpec s) {
    Map<String, Object> m = new LinkedHashMap<>();
    s.name().ifPresent(v -> m.put("name", v));
    s.description().ifPresent(v -> m.put("description", v));
    s.memory().ifPresent(v -> m.put("memory", v));
    s.memoryPath().ifPresent(v -> m.put("memory_path", v.toString()));
    s.disks().ifPresent(ds -> m.put("disks", ds.stream().map(ConfigDump::disk).toList()));
    return m;
  }

  private static Map<String, Object> disk(DiskSpec d) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("target", d.target());
    m.put("mode", d.mode().name().toLowerCase(Locale.ROOT));
    d.format().ifPresent(f -> m.put("format", f.xlName()));
    d.path().ifPresent(p -> m.put("path", p.toString()));
    return m;
  }

  static Map<String, Object> domain(DomainXlConfig d) {
    Map<String, Object> m = new LinkedHashMap<>();
    d.name().ifPresent(v -> m.put("name", v));
    d.uuid().ifPresent(v -> m.put("uuid", v));
    d.type().ifPresent(v -> m.put("type", v));
    d.memoryMib().ifPresent(v -> m.put("memory", v));
    d.maxMemoryMib().ifPresent(v -> m.put("maxmem", v));
    d.vcpus().ifPresent(v -> m.put("vcpus", v));
    d.kernel().ifPresent(v -> m.put("kernel", v));
    d.ramdisk().ifPresent(v -> m.put("ramdisk", v));
    d.bootloader().ifPresent(v -> m.put("bootloader", v));
    List<Map<String, Object>> disks = d.disks().stream().map(ConfigDump::disk).toList();
    m.put("disks", disks);
    return m;
  }

  private static Map<String, Object> disk(XlDisk x) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("vdev", x.vdev());
    x.target().ifPresent(t -> m.put("target", t));
    m.put("format", x.format().xlName());
    m.put("access", x.readWrite() ? "rw" : "ro");
    m.put("devtype", x.cdrom() ? "cdrom" : "disk");
    x.backend().ifPresent(b -> m.put("backendtype", b));
    x.script().ifPresent(s -> m.put("script", s));
    return m;
  }
}
