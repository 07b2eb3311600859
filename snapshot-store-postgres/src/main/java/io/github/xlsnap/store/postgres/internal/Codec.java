package io.github.xlsnap.store.postgres.internal;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.DeferredCleanup;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.FileStamp;
import io.github.xlsnap.core.ShutdownReason;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainConfiguration;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The JSON document of a snapshot row, in the JSON store's libxl-json vocabulary (lowercase C-style
 * keys): {@code format_version}, {@code name}, {@code create_time} (ISO-8601, to the nanosecond),
 * {@code description}, {@code domain_state}, {@code snapshot_args} ({@code live}, {@code memory_path},
 * {@code memory_stamp}, {@code disks}) and {@code domain_config}. The relations ({@code parent},
 * {@code children}) are columns, not in the document. Reading is strict; top-level fields this version
 * does not know are kept when a document is rewritten.
 */
public final class Codec {
  /** The format version written; a document of a newer one is refused. */
  public static final int FORMAT_VERSION = 1;

  private static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build();
  private static final Set<String> KNOWN = Set.of("format_version", "name", "create_time", "description",
      "domain_state", "snapshot_args", "domain_config");

  private Codec() {}

  /**
   * Encodes a snapshot's document.
   *
   * @param s the snapshot
   * @param previous the document it replaces, whose unknown top-level fields are kept, or null
   * @return the JSON text
   */
  public static String encode(Snapshot s, @Nullable String previous) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("format_version", FORMAT_VERSION);
    o.put("name", s.name());
    o.put("create_time", s.createTime().toString());
    o.put("description", s.description());
    ObjectNode state = o.putObject("domain_state");
    DomainState d = s.domainState();
    state.put("running", d.running());
    state.put("blocked", d.blocked());
    state.put("paused", d.paused());
    state.put("dying", d.dying());
    d.shutdown().ifPresent(r -> state.put("shutdown_reason", r.name().toLowerCase(Locale.ROOT)));
    ObjectNode args = o.putObject("snapshot_args");
    args.put("live", s.live());
    s.memoryImage().ifPresent(p -> args.put("memory_path", p.toString()));
    s.memoryStamp().ifPresent(st -> stamp(args.putObject("memory_stamp"), st));
    ArrayNode disks = args.putArray("disks");
    for (DiskSnapshot disk : s.disks()) {
      ObjectNode n = disks.addObject();
      n.put("vdev", disk.target());
      n.put("mode", disk.mode().name().toLowerCase(Locale.ROOT));
      n.put("format", disk.format().xlName());
      disk.image().ifPresent(p -> n.put("pdev_path", p.toString()));
      disk.tag().ifPresent(t -> n.put("tag", t));
      disk.overlay().ifPresent(p -> n.put("external_path", p.toString()));
      disk.imageStamp().ifPresent(st -> stamp(n.putObject("pdev_stamp"), st));
    }
    s.configuration().ifPresent(c -> {
      ObjectNode n = o.putObject("domain_config");
      n.put("backend", c.backend());
      n.put("content", c.content());
    });
    if (previous != null) {
      try {
        JsonNode old = MAPPER.readTree(previous);
        if (old instanceof ObjectNode on) {
          for (Map.Entry<String, JsonNode> e : on.properties()) {
            if (!KNOWN.contains(e.getKey())) {
              o.set(e.getKey(), e.getValue());
            }
          }
        }
      } catch (JsonProcessingException e) {
        // an unreadable previous document has nothing to keep
      }
    }
    return o.toString();
  }

  private static void stamp(ObjectNode n, FileStamp st) {
    n.put("size", st.size());
    n.put("modified", st.modified().toString());
  }

  /**
   * Decodes a snapshot's document.
   *
   * @param doc the JSON text
   * @param name the row's name, which the document must name
   * @param parent the row's parent
   * @param children the children, derived from the rows' parents
   * @return the snapshot
   * @throws BadRowException if the document is unusable
   */
  public static Snapshot decode(String doc, String name, Optional<String> parent, List<String> children)
      throws BadRowException {
    JsonNode root;
    try {
      root = MAPPER.readTree(doc);
    } catch (JsonProcessingException e) {
      throw new BadRowException("invalid JSON: " + e.getOriginalMessage(), e);
    }
    if (!(root instanceof ObjectNode o)) {
      throw new BadRowException("the document is not a JSON object", null);
    }
    long version = integer(o, "format_version");
    if (version > FORMAT_VERSION) {
      throw new BadRowException("format_version " + version + " is newer than " + FORMAT_VERSION
          + ", the newest this xlsnap reads", null);
    }
    String named = text(o, "name");
    if (!named.equals(name)) {
      throw new BadRowException("the document names snapshot '" + named + "', its row '" + name + "'", null);
    }
    Instant created = instant(o, "create_time");
    String description = text(o, "description");
    ObjectNode st = object(o, "domain_state");
    Optional<ShutdownReason> reason = optionalText(st, "shutdown_reason").isPresent()
        ? Optional.of(enumOf(ShutdownReason.class, optionalText(st, "shutdown_reason").get(), "shutdown_reason"))
        : Optional.empty();
    DomainState state = new DomainState(bool(st, "running"), bool(st, "blocked"), bool(st, "paused"),
        bool(st, "dying"), reason);
    ObjectNode args = object(o, "snapshot_args");
    boolean live = bool(args, "live");
    Optional<Path> memory = optionalText(args, "memory_path").map(Path::of);
    Optional<FileStamp> memoryStamp = optionalStamp(args, "memory_stamp");
    JsonNode disksNode = args.get("disks");
    if (!(disksNode instanceof ArrayNode disksArray)) {
      throw new BadRowException("snapshot_args.disks is missing or not an array", null);
    }
    List<DiskSnapshot> disks = new ArrayList<>();
    for (JsonNode dn : disksArray) {
      if (!(dn instanceof ObjectNode d)) {
        throw new BadRowException("a disk is not an object", null);
      }
      String format = text(d, "format");
      DiskFormat diskFormat = DiskFormat.fromXlName(format)
          .orElseThrow(() -> new BadRowException("unknown disk format '" + format + "'", null));
      disks.add(guard(() -> new DiskSnapshot(text(d, "vdev"), enumOf(DiskSnapshotMode.class, text(d, "mode"), "mode"),
          diskFormat, optionalText(d, "pdev_path").map(Path::of), optionalText(d, "tag"),
          optionalText(d, "external_path").map(Path::of), optionalStamp(d, "pdev_stamp"))));
    }
    Optional<DomainConfiguration> config = Optional.empty();
    if (o.has("domain_config")) {
      ObjectNode c = object(o, "domain_config");
      String backend = text(c, "backend");
      String content = text(c, "content");
      config = Optional.of(guard(() -> new DomainConfiguration(backend, content)));
    }
    Optional<DomainConfiguration> configuration = config;
    return guard(() -> new Snapshot(name, created, description, parent, children, state, live, memory, memoryStamp,
        disks, configuration));
  }

  /** What builds a value from decoded fields and may refuse them. */
  private interface Build<T> {
    T get() throws BadRowException;
  }

  private static <T> T guard(Build<T> build) throws BadRowException {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw new BadRowException(String.valueOf(e.getMessage()), e);
    }
  }

  private static JsonNode field(ObjectNode o, String key) throws BadRowException {
    JsonNode n = o.get(key);
    if (n == null || n.isNull()) {
      throw new BadRowException("field " + key + " is missing", null);
    }
    return n;
  }

  private static String text(ObjectNode o, String key) throws BadRowException {
    JsonNode n = field(o, key);
    if (!n.isTextual()) {
      throw new BadRowException("field " + key + " is not a string", null);
    }
    return n.textValue();
  }

  private static Optional<String> optionalText(ObjectNode o, String key) throws BadRowException {
    return o.has(key) ? Optional.of(text(o, key)) : Optional.empty();
  }

  private static boolean bool(ObjectNode o, String key) throws BadRowException {
    JsonNode n = field(o, key);
    if (!n.isBoolean()) {
      throw new BadRowException("field " + key + " is not a boolean", null);
    }
    return n.booleanValue();
  }

  private static long integer(ObjectNode o, String key) throws BadRowException {
    JsonNode n = field(o, key);
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw new BadRowException("field " + key + " is not an integer", null);
    }
    return n.longValue();
  }

  private static ObjectNode object(ObjectNode o, String key) throws BadRowException {
    JsonNode n = field(o, key);
    if (!(n instanceof ObjectNode on)) {
      throw new BadRowException("field " + key + " is not an object", null);
    }
    return on;
  }

  private static Instant instant(ObjectNode o, String key) throws BadRowException {
    String t = text(o, key);
    try {
      return Instant.parse(t);
    } catch (DateTimeParseException e) {
      throw new BadRowException("field " + key + " is not an ISO-8601 instant: " + t, e);
    }
  }

  private static Optional<FileStamp> optionalStamp(ObjectNode o, String key) throws BadRowException {
    if (!o.has(key)) {
      return Optional.empty();
    }
    ObjectNode n = object(o, key);
    long size = integer(n, "size");
    Instant modified = instant(n, "modified");
    return Optional.of(guard(() -> new FileStamp(size, modified)));
  }

  private static <E extends Enum<E>> E enumOf(Class<E> type, String value, String key) throws BadRowException {
    try {
      return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new BadRowException("field " + key + " has the unknown value '" + value + "'", e);
    }
  }

  /**
   * Encodes a set of paths as a JSON array of strings, sorted.
   *
   * @param paths the paths
   * @return the JSON text
   */
  public static String encodePaths(Set<Path> paths) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    paths.stream().map(Path::toString).sorted().forEach(a::add);
    return a.toString();
  }

  /**
   * Decodes {@link #encodePaths}.
   *
   * @param json the JSON text
   * @return the paths
   * @throws BadRowException if it is not an array of strings
   */
  public static Set<Path> decodePaths(String json) throws BadRowException {
    Set<Path> paths = new LinkedHashSet<>();
    for (JsonNode n : array(json, "owned_images")) {
      if (!n.isTextual()) {
        throw new BadRowException("owned_images holds a non-string", null);
      }
      paths.add(Path.of(n.textValue()));
    }
    return paths;
  }

  /**
   * Encodes deferred internal snapshots as a JSON array of {@code {pdev_path, tag}}, sorted.
   *
   * @param cleanups the deferred clean-ups, internal snapshots only
   * @return the JSON text
   */
  public static String encodeDeferred(Set<DeferredCleanup> cleanups) {
    ArrayNode a = JsonNodeFactory.instance.arrayNode();
    cleanups.stream().sorted((x, y) -> (x.image() + "\0" + x.tag().orElse(""))
        .compareTo(y.image() + "\0" + y.tag().orElse(""))).forEach(c -> {
          ObjectNode n = a.addObject();
          n.put("pdev_path", c.image().toString());
          n.put("tag", c.tag().orElseThrow());
        });
    return a.toString();
  }

  /**
   * Decodes {@link #encodeDeferred}.
   *
   * @param json the JSON text
   * @return the deferred clean-ups
   * @throws BadRowException if malformed
   */
  public static Set<DeferredCleanup> decodeDeferred(String json) throws BadRowException {
    Set<DeferredCleanup> out = new HashSet<>();
    for (JsonNode n : array(json, "deferred_cleanups")) {
      if (!(n instanceof ObjectNode o)) {
        throw new BadRowException("deferred_cleanups holds a non-object", null);
      }
      Path image = Path.of(text(o, "pdev_path"));
      String tag = text(o, "tag");
      out.add(guard(() -> DeferredCleanup.internalSnapshot(image, tag)));
    }
    return out;
  }

  private static ArrayNode array(String json, String what) throws BadRowException {
    try {
      JsonNode n = MAPPER.readTree(json);
      if (n instanceof ArrayNode a) {
        return a;
      }
      throw new BadRowException(what + " is not a JSON array", null);
    } catch (JsonProcessingException e) {
      throw new BadRowException(what + " is not valid JSON: " + e.getOriginalMessage(), e);
    }
  }
}
