package io.github.xlsnap.core.internal;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.XlsnapException;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.TreeSet;

/** The text form of {@link Intent}: {@code java.util.Properties}, keys sorted, no date comment. */
final class IntentCodec {
  private static final String FORMAT = "xlsnap-intent-1";
  private static final String FORMAT_WITHOUT_ROLLBACK_MEMORY = "xlsnap-intent-2";
  private static final String FORMAT_3 = "xlsnap-intent-3";

  private IntentCodec() {}

  static String encode(Intent intent) {
    Map<String, String> p = new TreeMap<>();
    p.put("format", FORMAT);
    p.put("snapshot", intent.snapshot());
    p.put("domid", Integer.toString(intent.domid()));
    if (intent instanceof Intent.Create c) {
        p.put("operation", "CREATE");
        p.put("was_paused", Boolean.toString(c.wasPaused()));
        p.put("with_memory", Boolean.toString(c.withMemory()));
        putFiles(p, c.files());
        putRequests(p, c.requests());
    } else if (intent instanceof Intent.Delete d) {
        p.put("operation", "DELETE");
        p.put("was_paused", "false");
        p.put("with_memory", "false");
        for (int i = 0; i < d.doomed().size(); i++) {
          p.put("doomed." + i, d.doomed().get(i));
        }
        for (int i = 0; i < d.cleanup().size(); i++) {
          p.put("cleanup." + i + ".path", d.cleanup().get(i).getKey().toString());
          p.put("cleanup." + i + ".tag", d.cleanup().get(i).getValue());
        }
        for (int i = 0; i < d.uncertain().size(); i++) {
          p.put("format", FORMAT_3);
          p.put("uncertain." + i, d.uncertain().get(i).toString());
        }
        // read by this version's recovery; an older one ignores them (then a revert to a snapshot whose
        // frozen image was rebased needs force, its contents intact)
        for (int i = 0; i < d.rebased().size(); i++) {
          p.put("rebased." + i, d.rebased().get(i).toString());
        }
    } else if (intent instanceof Intent.Revert r) {
        p.put("operation", "REVERT");
        if (r.phase() == Intent.Revert.Phase.UNDO) {
          p.put("format", FORMAT_3);
          p.put("phase", r.phase().name());
        } else if (r.rollbackMemory().isEmpty()) {
          p.put("format", FORMAT_WITHOUT_ROLLBACK_MEMORY);
        }
        p.put("was_paused", Boolean.toString(r.wasPaused()));
        p.put("with_memory", Boolean.toString(r.rollbackMemory().isPresent()));
        putFiles(p, r.files());
        putRequests(p, r.rollbackRequests());
        r.oldImages().forEach((target, image) -> p.put("old_image." + target, image.toString()));
        r.rollbackMemory().ifPresent(m -> p.put("rollback_memory", m.toString()));
        p.put("configuration.backend", r.configuration().backend());
        p.put("configuration.content", r.configuration().content());
    }
    Properties props = new Properties();
    props.putAll(p);
    StringWriter w = new StringWriter();
    try {
      props.store(w, null);
    } catch (IOException e) {
      throw new AssertionError("a StringWriter does not fail", e);
    }
    // Properties writes a date comment first: drop it so that equal intents encode equally
    StringBuilder out = new StringBuilder();
    w.toString().lines().filter(l -> !l.startsWith("#")).sorted().forEach(l -> out.append(l).append('\n'));
    return out.toString();
  }

  private static void putFiles(Map<String, String> p, List<Path> files) {
    for (int i = 0; i < files.size(); i++) {
      p.put("file." + i, files.get(i).toString());
    }
  }

  private static void putRequests(Map<String, String> p, List<DiskSnapshotRequest> requests) {
    for (int i = 0; i < requests.size(); i++) {
      DiskSnapshotRequest r = requests.get(i);
      String key = "request." + i;
      p.put(key + ".target", r.target());
      p.put(key + ".mode", r.mode().name());
      r.tag().ifPresent(t -> p.put(key + ".tag", t));
      r.overlay().ifPresent(o -> p.put(key + ".overlay", o.toString()));
    }
  }

  static Intent decode(String text) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException | IllegalArgumentException e) {
      throw new XlsnapException("unreadable operation record: " + e.getMessage(), e);
    }
    String format = p.getProperty("format");
    if (!FORMAT.equals(format) && !FORMAT_WITHOUT_ROLLBACK_MEMORY.equals(format) && !FORMAT_3.equals(format)) {
      throw new XlsnapException("operation record of unknown format " + format);
    }
    try {
      String snapshot = requireNonNull(p.getProperty("snapshot"), "snapshot");
      int domid = Integer.parseInt(p.getProperty("domid"));
      boolean wasPaused = Boolean.parseBoolean(p.getProperty("was_paused"));
      String operation = String.valueOf(p.getProperty("operation"));
      if (operation.equals("CREATE") && !FORMAT.equals(format)
          || operation.equals("DELETE") && FORMAT_WITHOUT_ROLLBACK_MEMORY.equals(format)) {
        throw new IllegalArgumentException("a " + operation + " record of format " + format);
      }
      return switch (operation) {
        case "CREATE" -> new Intent.Create(snapshot, domid, wasPaused, Boolean.parseBoolean(p.getProperty("with_memory")),
            files(p), requests(p));
        case "DELETE" -> new Intent.Delete(snapshot, domid, doomed(p), cleanup(p), uncertain(p, format),
            paths(p, "rebased."));
        case "REVERT" -> revert(p, format, snapshot, domid, wasPaused);
        default -> throw new IllegalArgumentException("unknown operation " + operation);
      };
    } catch (RuntimeException e) {
      throw new XlsnapException("unreadable operation record: " + e, e);
    }
  }

  private static Intent.Revert revert(Properties p, String format, String snapshot, int domid, boolean wasPaused) {
    Optional<Path> rollbackMemory = Optional.ofNullable(p.getProperty("rollback_memory")).map(Path::of);
    Intent.Revert.Phase phase = Intent.Revert.Phase.valueOf(p.getProperty("phase", Intent.Revert.Phase.FORWARD.name()));
    if ((phase == Intent.Revert.Phase.UNDO) != FORMAT_3.equals(format)) {
      throw new IllegalArgumentException("a revert record of format " + format + " in phase " + phase);
    }
    if (phase == Intent.Revert.Phase.FORWARD
        && rollbackMemory.isEmpty() != FORMAT_WITHOUT_ROLLBACK_MEMORY.equals(format)) {
      throw new IllegalArgumentException("a revert record of format " + format
          + (rollbackMemory.isEmpty() ? " lacks" : " has") + " rollback_memory");
    }
    Map<String, Path> oldImages = new LinkedHashMap<>();
    for (String k : new TreeSet<>(p.stringPropertyNames())) {
      if (k.startsWith("old_image.")) {
        oldImages.put(k.substring("old_image.".length()), Path.of(p.getProperty(k)));
      }
    }
    DomainConfiguration configuration = new DomainConfiguration(
        requireNonNull(p.getProperty("configuration.backend"), "configuration.backend"),
        p.getProperty("configuration.content", ""));
    return new Intent.Revert(snapshot, domid, wasPaused, files(p), requests(p), oldImages, rollbackMemory, configuration,
        phase);
  }

  private static List<Path> files(Properties p) {
    List<Path> files = new ArrayList<>();
    for (int i = 0; p.containsKey("file." + i); i++) {
      files.add(Path.of(p.getProperty("file." + i)));
    }
    return files;
  }

  private static List<DiskSnapshotRequest> requests(Properties p) {
    List<DiskSnapshotRequest> requests = new ArrayList<>();
    for (int i = 0; p.containsKey("request." + i + ".target"); i++) {
      String target = p.getProperty("request." + i + ".target");
      requests.add(DiskSnapshotMode.valueOf(p.getProperty("request." + i + ".mode")) == DiskSnapshotMode.INTERNAL
          ? DiskSnapshotRequest.internal(target, p.getProperty("request." + i + ".tag"))
          : DiskSnapshotRequest.external(target, Path.of(p.getProperty("request." + i + ".overlay"))));
    }
    return requests;
  }

  private static List<String> doomed(Properties p) {
    List<String> doomed = new ArrayList<>();
    for (int i = 0; p.containsKey("doomed." + i); i++) {
      doomed.add(p.getProperty("doomed." + i));
    }
    return doomed;
  }

  private static List<Path> paths(Properties p, String prefix) {
    List<Path> paths = new ArrayList<>();
    for (int i = 0; p.containsKey(prefix + i); i++) {
      paths.add(Path.of(p.getProperty(prefix + i)));
    }
    return paths;
  }

  private static List<Path> uncertain(Properties p, String format) {
    List<Path> uncertain = new ArrayList<>();
    for (int i = 0; p.containsKey("uncertain." + i); i++) {
      uncertain.add(Path.of(p.getProperty("uncertain." + i)));
    }
    if (uncertain.isEmpty() == FORMAT_3.equals(format)) {
      throw new IllegalArgumentException("a delete record of format " + format
          + (uncertain.isEmpty() ? " lacks" : " has") + " uncertain images");
    }
    return uncertain;
  }

  private static List<Map.Entry<Path, String>> cleanup(Properties p) {
    List<Map.Entry<Path, String>> cleanup = new ArrayList<>();
    for (int i = 0; p.containsKey("cleanup." + i + ".path"); i++) {
      cleanup.add(Map.entry(Path.of(p.getProperty("cleanup." + i + ".path")), p.getProperty("cleanup." + i + ".tag")));
    }
    return cleanup;
  }
}
