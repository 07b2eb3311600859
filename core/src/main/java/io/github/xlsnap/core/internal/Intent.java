package io.github.xlsnap.core.internal;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.XlsnapException;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;

/**
 * What an operation of the manager is about to do to a domain, recorded in the store before the
 * domain is touched (see {@link io.github.xlsnap.core.spi.SnapshotStore#saveIntent}), so that a
 * manager started after a crash can finish or undo it. Encoded as {@code java.util.Properties} text.
 *
 * <p>Format {@code xlsnap-intent-1} is every intent's but one: a revert of a crashed or shut-down
 * instance, which has no rollback memory image, is written as {@code xlsnap-intent-2} (the same keys,
 * without {@code rollback_memory}), so that an older version, which cannot recover it, refuses it by
 * its format instead of failing on the missing image. Both formats are read.
 *
 * @param operation what was being done
 * @param snapshot the snapshot concerned (for a delete, the one named by the caller)
 * @param domid the domain's instance when the operation began
 * @param wasPaused whether the domain was paused then
 * @param withMemory create only: whether memory was being saved (else the manager paused the domain)
 * @param files files the operation creates, to remove if it did not complete
 * @param requests disk snapshots it takes (create) or rollback snapshots (revert)
 * @param doomed delete only: the snapshots it deletes
 * @param cleanup delete only: internal snapshots ({@code image} to tag) and files to remove once committed
 * @param oldImages revert only: the disk images of the instance being replaced
 * @param rollbackMemory revert only: where the instance being replaced is saved; empty if it was
 *     crashed or shut down, so not saved
 * @param configuration revert only: the configuration to restore it from
 */
public record Intent(
    Operation operation,
    String snapshot,
    int domid,
    boolean wasPaused,
    boolean withMemory,
    List<Path> files,
    List<DiskSnapshotRequest> requests,
    List<String> doomed,
    List<Map.Entry<Path, String>> cleanup,
    Map<String, Path> oldImages,
    Optional<Path> rollbackMemory,
    Optional<DomainConfiguration> configuration) {

  /** The operations the manager records. */
  public enum Operation {
    /** {@code create}. */
    CREATE,
    /** {@code delete}. */
    DELETE,
    /** {@code revert}. */
    REVERT
  }

  private static final String FORMAT = "xlsnap-intent-1";
  /** The format of a revert without rollback memory image; see the class description. */
  private static final String FORMAT_WITHOUT_ROLLBACK_MEMORY = "xlsnap-intent-2";

  /**
   * Copies the collections.
   *
   * @param operation what was being done
   * @param snapshot the snapshot concerned
   * @param domid the domain's instance
   * @param wasPaused whether it was paused
   * @param withMemory whether memory was saved
   * @param files files to remove unless completed
   * @param requests disk snapshot requests
   * @param doomed snapshots deleted
   * @param cleanup what to remove once committed
   * @param oldImages the old instance's images
   * @param rollbackMemory the rollback memory image
   * @param configuration the old instance's configuration
   */
  public Intent {
    requireNonNull(operation, "operation");
    requireNonNull(snapshot, "snapshot");
    files = List.copyOf(files);
    requests = List.copyOf(requests);
    doomed = List.copyOf(doomed);
    cleanup = List.copyOf(cleanup);
    oldImages = Map.copyOf(oldImages);
    requireNonNull(rollbackMemory, "rollbackMemory");
    requireNonNull(configuration, "configuration");
  }

  /**
   * Encodes the intent.
   *
   * @return the text the store keeps
   */
  public String encode() {
    Map<String, String> p = new TreeMap<>();
    boolean noRollbackMemory = operation == Operation.REVERT && rollbackMemory.isEmpty();
    p.put("format", noRollbackMemory ? FORMAT_WITHOUT_ROLLBACK_MEMORY : FORMAT);
    p.put("operation", operation.name());
    p.put("snapshot", snapshot);
    p.put("domid", Integer.toString(domid));
    p.put("was_paused", Boolean.toString(wasPaused));
    p.put("with_memory", Boolean.toString(withMemory));
    for (int i = 0; i < files.size(); i++) {
      p.put("file." + i, files.get(i).toString());
    }
    for (int i = 0; i < requests.size(); i++) {
      DiskSnapshotRequest r = requests.get(i);
      String key = "request." + i;
      p.put(key + ".target", r.target());
      p.put(key + ".mode", r.mode().name());
      r.tag().ifPresent(t -> p.put(key + ".tag", t));
      r.overlay().ifPresent(o -> p.put(key + ".overlay", o.toString()));
    }
    for (int i = 0; i < doomed.size(); i++) {
      p.put("doomed." + i, doomed.get(i));
    }
    for (int i = 0; i < cleanup.size(); i++) {
      p.put("cleanup." + i + ".path", cleanup.get(i).getKey().toString());
      p.put("cleanup." + i + ".tag", cleanup.get(i).getValue());
    }
    oldImages.forEach((target, image) -> p.put("old_image." + target, image.toString()));
    rollbackMemory.ifPresent(m -> p.put("rollback_memory", m.toString()));
    configuration.ifPresent(c -> {
      p.put("configuration.backend", c.backend());
      p.put("configuration.content", c.content());
    });
    Properties props = new Properties();
    props.putAll(p);
    StringWriter w = new StringWriter();
    try {
      props.store(w, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    // Properties writes a date comment first: drop it so that equal intents encode equally
    return w.toString().lines().filter(l -> !l.startsWith("#")).sorted().reduce("", (a, b) -> a + b + "\n");
  }

  /**
   * Decodes an intent.
   *
   * @param text what {@link #encode} wrote
   * @return the intent
   * @throws XlsnapException if the text is not an intent this version can read
   */
  public static Intent decode(String text) {
    Properties p = new Properties();
    try {
      p.load(new StringReader(text));
    } catch (IOException | IllegalArgumentException e) {
      throw new XlsnapException("unreadable operation record: " + e.getMessage(), e);
    }
    String format = p.getProperty("format");
    if (!FORMAT.equals(format) && !FORMAT_WITHOUT_ROLLBACK_MEMORY.equals(format)) {
      throw new XlsnapException("operation record of unknown format " + p.getProperty("format"));
    }
    try {
      List<Path> files = new ArrayList<>();
      for (int i = 0; p.containsKey("file." + i); i++) {
        files.add(Path.of(p.getProperty("file." + i)));
      }
      List<DiskSnapshotRequest> requests = new ArrayList<>();
      for (int i = 0; p.containsKey("request." + i + ".target"); i++) {
        String target = p.getProperty("request." + i + ".target");
        requests.add(DiskSnapshotMode.valueOf(p.getProperty("request." + i + ".mode")) == DiskSnapshotMode.INTERNAL
            ? DiskSnapshotRequest.internal(target, p.getProperty("request." + i + ".tag"))
            : DiskSnapshotRequest.external(target, Path.of(p.getProperty("request." + i + ".overlay"))));
      }
      List<String> doomed = new ArrayList<>();
      for (int i = 0; p.containsKey("doomed." + i); i++) {
        doomed.add(p.getProperty("doomed." + i));
      }
      List<Map.Entry<Path, String>> cleanup = new ArrayList<>();
      for (int i = 0; p.containsKey("cleanup." + i + ".path"); i++) {
        cleanup.add(Map.entry(Path.of(p.getProperty("cleanup." + i + ".path")), p.getProperty("cleanup." + i + ".tag")));
      }
      Map<String, Path> oldImages = new LinkedHashMap<>();
      for (String k : p.stringPropertyNames()) {
        if (k.startsWith("old_image.")) {
          oldImages.put(k.substring("old_image.".length()), Path.of(p.getProperty(k)));
        }
      }
      Optional<DomainConfiguration> configuration = Optional.ofNullable(p.getProperty("configuration.backend"))
          .map(b -> new DomainConfiguration(b, p.getProperty("configuration.content", "")));
      Operation operation = Operation.valueOf(p.getProperty("operation"));
      Optional<Path> rollbackMemory = Optional.ofNullable(p.getProperty("rollback_memory")).map(Path::of);
      if (operation == Operation.REVERT
          && rollbackMemory.isEmpty() != FORMAT_WITHOUT_ROLLBACK_MEMORY.equals(format)) {
        throw new IllegalArgumentException("a revert record of format " + format
            + (rollbackMemory.isEmpty() ? " lacks" : " has") + " rollback_memory");
      }
      return new Intent(operation, p.getProperty("snapshot"),
          Integer.parseInt(p.getProperty("domid")), Boolean.parseBoolean(p.getProperty("was_paused")),
          Boolean.parseBoolean(p.getProperty("with_memory")), files, requests, doomed, cleanup, oldImages,
          rollbackMemory, configuration);
    } catch (RuntimeException e) {
      throw new XlsnapException("unreadable operation record: " + e, e);
    }
  }
}
