package io.github.xlsnap.store.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
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
import io.github.xlsnap.core.SnapshotNames;
import io.github.xlsnap.core.XlsnapIOException;
import io.github.xlsnap.store.CorruptMetadataException;
import io.github.xlsnap.store.CorruptMetadataException.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The libxl-json encoding of snapshot records, the domain record and the journal: lowercase C-style
 * keys, fields at their default omitted (and defaulted again when read), 4-space indentation as
 * YAJL's beautifier writes it. Reading is strict: any deviation is a {@link CorruptMetadataException}
 * naming the file and the field. Fields this version does not know are kept: a rewrite starts from
 * the previous JSON object and only replaces the fields it knows. Thread-safe.
 */
public final class Codec {
  /** The format version this code writes and the newest it reads. */
  public static final int FORMAT_VERSION = 1;

  /**
   * Reads with the streaming parser only: an {@link ObjectMapper} costs a cold JVM some 400 ms of
   * class loading and initialization, more than reading a domain's files, so it is made only to write
   * (see {@link Writing}).
   */
  private static final JsonFactory FACTORY = JsonFactory.builder()
      .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  /** The domain record's list of internal snapshots deletes deferred. */
  private static final String DEFERRED = "deferred_internal_snapshots";

  private Codec() {}

  /** The writer, made on the first write. */
  private static final class Writing {
    private static final ObjectWriter WRITER = new ObjectMapper(FACTORY).writer(new DefaultPrettyPrinter()
        .withObjectIndenter(new DefaultIndenter("    ", "\n"))
        .withArrayIndenter(new DefaultIndenter("    ", "\n")));

    private Writing() {}
  }

  /** A snapshot read from its file, with the JSON it came from (for fields this version does not know). */
  public record ReadSnapshot(Snapshot snapshot, ObjectNode json) {}

  /**
   * The domain record: what belongs to the domain rather than to one snapshot.
   *
   * @param generation incremented by every committed change
   * @param current the current snapshot
   * @param ownedImages the disk images xlsnap created
   * @param json the JSON it came from
   */
  public record DomainRecord(long generation, Optional<String> current, List<Path> ownedImages, ObjectNode json) {}

  // ---------------------------------------------------------------------------------------------
  // parsing

  /**
   * Parses bytes as one JSON object.
   *
   * @param file the file they came from, for errors
   * @param bytes the bytes
   * @return the object
   */
  public static ObjectNode parseObject(Path file, byte[] bytes) {
    ObjectNode object = parseJsonObject(file, bytes);
    checkVersion(file, object, "format_version");
    return object;
  }

  /**
   * Checks an object's format version field: present, an integer of at least 1, and not newer than
   * {@link #FORMAT_VERSION}.
   *
   * @param file the file it came from, for errors
   * @param object the object
   * @param field the field's name as errors give it
   */
  public static void checkVersion(Path file, ObjectNode object, String field) {
    long version = integer(file, object, field, true, 1, Long.MAX_VALUE).orElseThrow();
    if (version > FORMAT_VERSION) {
      throw new CorruptMetadataException(file, Problem.FUTURE_FORMAT_VERSION,
          field + " " + version + " is newer than " + FORMAT_VERSION + ", the newest this xlsnap reads", null);
    }
  }

  /**
   * Parses bytes as one JSON object, strictly (UTF-8, no duplicate keys, no trailing content), without
   * looking at its fields.
   *
   * @param file the file they came from, for errors
   * @param bytes the bytes
   * @return the object
   */
  public static ObjectNode parseJsonObject(Path file, byte[] bytes) {
    JsonNode node;
    String text;
    try {
      // libxl-json files are UTF-8; decoding strictly here keeps Jackson from guessing UTF-16/32
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
    } catch (CharacterCodingException e) {
      throw new CorruptMetadataException(file, Problem.INVALID_JSON, "the file is not UTF-8 text", e);
    }
    try (JsonParser p = FACTORY.createParser(text)) {
      JsonToken first = p.nextToken();
      node = first == null ? null : tree(p, first);
      if (node != null && p.nextToken() != null) {
        throw new CorruptMetadataException(file, Problem.INVALID_JSON, "trailing content after the JSON value at "
            + location(p.currentTokenLocation()), null);
      }
    } catch (JsonEOFException e) {
      throw new CorruptMetadataException(file, Problem.TRUNCATED, "the JSON ends early: " + e.getOriginalMessage(), e);
    } catch (StreamReadException e) {
      throw new CorruptMetadataException(file, Problem.INVALID_JSON, e.getOriginalMessage() + " at "
          + location(e.getLocation()), e);
    } catch (JsonProcessingException e) {
      throw new CorruptMetadataException(file, Problem.INVALID_JSON, e.getOriginalMessage(), e);
    } catch (IOException e) {
      throw new XlsnapIOException("parse", file, e); // from a String: not expected
    }
    if (node == null) {
      throw new CorruptMetadataException(file, Problem.TRUNCATED, "the file is empty", null);
    }
    if (!node.isObject()) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "the top level is not an object", null);
    }
    return (ObjectNode) node;
  }

  private static String location(com.fasterxml.jackson.core.@Nullable JsonLocation l) {
    return l == null ? "an unknown position" : "line " + l.getLineNr() + ", column " + l.getColumnNr();
  }

  /**
   * Builds the tree of the value at the parser's current token, as {@code ObjectMapper.readTree} does
   * (objects keep their key order, integers the smallest fitting type, other numbers doubles).
   * Nesting is bounded by the parser's {@code StreamReadConstraints} (1000 levels).
   */
  private static JsonNode tree(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case START_OBJECT -> {
        ObjectNode o = NODES.objectNode();
        for (JsonToken k = p.nextToken(); k != JsonToken.END_OBJECT; k = p.nextToken()) {
          if (k != JsonToken.FIELD_NAME) {
            throw new JsonEOFException(p, k, "the object is not closed");
          }
          String key = p.currentName();
          o.set(key, tree(p, next(p)));
        }
        return o;
      }
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        for (JsonToken e = next(p); e != JsonToken.END_ARRAY; e = next(p)) {
          a.add(tree(p, e));
        }
        return a;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default -> throw new JsonParseException(p, "unexpected token " + t);
    }
  }

  private static JsonToken next(JsonParser p) throws IOException {
    JsonToken t = p.nextToken();
    if (t == null) {
      throw new JsonEOFException(p, null, "unexpected end of input");
    }
    return t;
  }

  /**
   * Reads a snapshot record.
   *
   * @param file its file
   * @param bytes its content
   * @param expectedName the name its file name gives
   * @return the snapshot and its JSON
   */
  public static ReadSnapshot readSnapshot(Path file, byte[] bytes, String expectedName) {
    return readSnapshot(file, parseObject(file, bytes), Optional.of(expectedName));
  }

  /**
   * Decodes a snapshot from its JSON object, whose format version the caller has checked.
   *
   * @param file the file it came from, for errors
   * @param o the object
   * @param expectedName the name it must have, if any
   * @return the snapshot and its JSON
   */
  public static ReadSnapshot readSnapshot(Path file, ObjectNode o, Optional<String> expectedName) {
    String name = text(file, o, "name", true).orElseThrow();
    if (!SnapshotNames.isValid(name)) {
      throw new CorruptMetadataException(file, Problem.BAD_NAME, "name '" + name + "' is not a valid snapshot name", null);
    }
    if (expectedName.isPresent() && !name.equals(expectedName.get())) {
      throw new CorruptMetadataException(file, Problem.BAD_NAME,
          "name '" + name + "' does not match the file name's '" + expectedName.get() + "'", null);
    }
    Instant created = instant(file, o, "create_time", true).orElseThrow();
    String description = text(file, o, "description", false).orElse("");
    Optional<String> parent = text(file, o, "parent", false);
    // names that only refer to a snapshot may be as long as earlier versions allowed: a tree to repair
    if (parent.isPresent() && !SnapshotNames.isValidStored(parent.get())) {
      throw new CorruptMetadataException(file, Problem.BAD_NAME, "parent '" + parent.get() + "' is not a valid snapshot name", null);
    }
    List<String> children = strings(file, o, "children");
    for (String c : children) {
      if (!SnapshotNames.isValidStored(c)) {
        throw new CorruptMetadataException(file, Problem.BAD_NAME, "child '" + c + "' is not a valid snapshot name", null);
      }
    }
    DomainState state = domainState(file, object(file, o, "domain_state"));
    ObjectNode args = object(file, o, "snapshot_args");
    boolean memory = bool(file, args, "memory");
    Optional<Path> memoryPath = path(file, args, "memory_path");
    if (memory != memoryPath.isPresent()) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE,
          "snapshot_args.memory is " + memory + " but memory_path is " + (memoryPath.isPresent() ? "set" : "absent"), null);
    }
    boolean live = bool(file, args, "live");
    Optional<FileStamp> memoryStamp = stamp(file, args, "memory_stamp");
    List<DiskSnapshot> disks = new ArrayList<>();
    JsonNode ds = args.get("disks");
    if (ds != null) {
      if (!ds.isArray()) {
        throw wrong(file, "snapshot_args.disks", "an array");
      }
      for (JsonNode d : ds) {
        if (!d.isObject()) {
          throw wrong(file, "snapshot_args.disks[]", "an object");
        }
        disks.add(disk(file, (ObjectNode) d));
      }
    }
    Optional<DomainConfiguration> configuration = Optional.empty();
    JsonNode dc = o.get("domain_config");
    if (dc != null) {
      if (!dc.isObject()) {
        throw wrong(file, "domain_config", "an object");
      }
      String backend = text(file, (ObjectNode) dc, "backend", true).orElseThrow();
      String content = text(file, (ObjectNode) dc, "content", true).orElseThrow();
      if (backend.isEmpty()) {
        throw wrong(file, "domain_config.backend", "a backend's name");
      }
      configuration = Optional.of(new DomainConfiguration(backend, content));
    }
    try {
      return new ReadSnapshot(new Snapshot(name, created, description, parent, children, state, live,
          memoryPath, memoryStamp, disks, configuration), o);
    } catch (IllegalArgumentException | io.github.xlsnap.core.XlsnapException e) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, e.getMessage(), e);
    }
  }

  private static DiskSnapshot disk(Path file, ObjectNode d) {
    String vdev = text(file, d, "vdev", true).orElseThrow();
    String modeText = text(file, d, "mode", true).orElseThrow();
    DiskSnapshotMode mode;
    try {
      mode = DiskSnapshotMode.valueOf(modeText.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "disk " + vdev + ": mode '" + modeText
          + "' is not internal, external or none", e);
    }
    DiskFormat format = text(file, d, "format", false)
        .map(f -> DiskFormat.fromXlName(f).orElseThrow(() -> new CorruptMetadataException(file, Problem.WRONG_TYPE,
            "disk " + vdev + ": unknown format '" + f + "'", null)))
        .orElse(DiskFormat.UNKNOWN);
    try {
      return new DiskSnapshot(vdev, mode, format, path(file, d, "pdev_path"), text(file, d, "tag", false),
          path(file, d, "external_path"), stamp(file, d, "pdev_stamp"));
    } catch (IllegalArgumentException e) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "disk " + vdev + ": " + e.getMessage(), e);
    }
  }

  private static DomainState domainState(Path file, ObjectNode s) {
    Optional<ShutdownReason> reason = text(file, s, "shutdown_reason", false).map(r -> {
      try {
        return ShutdownReason.valueOf(r.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "unknown shutdown_reason '" + r + "'", e);
      }
    });
    return new DomainState(bool(file, s, "running"), bool(file, s, "blocked"), bool(file, s, "paused"),
        bool(file, s, "dying"), reason);
  }

  /**
   * Reads the domain record.
   *
   * @param file its file
   * @param bytes its content
   * @return the record
   */
  public static DomainRecord readDomain(Path file, byte[] bytes) {
    ObjectNode o = parseObject(file, bytes);
    long generation = integer(file, o, "generation", true, 0, Long.MAX_VALUE).orElseThrow();
    Optional<String> current = text(file, o, "current", false);
    if (current.isPresent() && !SnapshotNames.isValidStored(current.get())) {
      throw new CorruptMetadataException(file, Problem.BAD_NAME, "current '" + current.get() + "' is not a valid snapshot name", null);
    }
    List<Path> owned = new ArrayList<>();
    for (String s : strings(file, o, "owned_images")) {
      Path p = Path.of(s);
      if (!p.isAbsolute()) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "owned image " + s + " is not absolute", null);
      }
      owned.add(p);
    }
    return new DomainRecord(generation, current, List.copyOf(owned), o);
  }

  // ---------------------------------------------------------------------------------------------
  // writing

  /**
   * Encodes a snapshot, keeping the fields of {@code previous} this version does not know.
   *
   * @param s the snapshot
   * @param previous the JSON it was read from, or {@code null}
   * @return the JSON
   */
  public static ObjectNode writeSnapshot(Snapshot s, @Nullable ObjectNode previous) {
    ObjectNode o = previous == null ? NODES.objectNode() : previous.deepCopy();
    o.put("format_version", FORMAT_VERSION);
    o.put("name", s.name());
    o.put("create_time", s.createTime().toString());
    putText(o, "description", s.description().isEmpty() ? Optional.empty() : Optional.of(s.description()));
    ObjectNode args = child(o, "snapshot_args");
    putBool(args, "memory", s.hasMemory());
    putText(args, "memory_path", s.memoryImage().map(Path::toString));
    putStamp(args, "memory_stamp", s.memoryStamp());
    putBool(args, "live", s.live());
    Map<String, ObjectNode> oldDisks = new HashMap<>();
    JsonNode old = args.get("disks");
    if (old != null && old.isArray()) {
      for (JsonNode d : old) {
        if (d.isObject() && d.path("vdev").isTextual()) {
          oldDisks.put(d.get("vdev").asText(), (ObjectNode) d);
        }
      }
    }
    if (s.disks().isEmpty()) {
      args.remove("disks");
    } else {
      ArrayNode disks = NODES.arrayNode();
      for (DiskSnapshot d : s.disks()) {
        ObjectNode prev = oldDisks.get(d.target());
        ObjectNode n = prev == null ? NODES.objectNode() : prev.deepCopy();
        n.put("vdev", d.target());
        n.put("mode", d.mode().name().toLowerCase(Locale.ROOT));
        putText(n, "format", d.format() == DiskFormat.UNKNOWN ? Optional.empty() : Optional.of(d.format().xlName()));
        putText(n, "pdev_path", d.image().map(Path::toString));
        putText(n, "tag", d.tag());
        putText(n, "external_path", d.overlay().map(Path::toString));
        putStamp(n, "pdev_stamp", d.imageStamp());
        disks.add(n);
      }
      args.set("disks", disks);
    }
    putText(o, "parent", s.parent());
    if (s.children().isEmpty()) {
      o.remove("children");
    } else {
      ArrayNode kids = NODES.arrayNode();
      s.children().forEach(kids::add);
      o.set("children", kids);
    }
    if (s.configuration().isPresent()) {
      ObjectNode dc = child(o, "domain_config");
      dc.put("backend", s.configuration().get().backend());
      dc.put("content", s.configuration().get().content());
    } else {
      o.remove("domain_config");
    }
    ObjectNode st = child(o, "domain_state");
    DomainState ds = s.domainState();
    putBool(st, "running", ds.running());
    putBool(st, "blocked", ds.blocked());
    putBool(st, "paused", ds.paused());
    putBool(st, "dying", ds.dying());
    putText(st, "shutdown_reason", ds.shutdown().map(r -> r.name().toLowerCase(Locale.ROOT)));
    return o;
  }

  /**
   * Encodes the domain record, keeping the fields of {@code previous} this version does not know.
   *
   * @param domain the domain's UUID
   * @param generation the generation
   * @param current the current snapshot
   * @param owned the owned images, sorted
   * @param previous the JSON it was read from, or {@code null}
   * @return the JSON
   */
  public static ObjectNode writeDomain(java.util.UUID domain, long generation, Optional<String> current,
      List<Path> owned, @Nullable ObjectNode previous) {
    ObjectNode o = previous == null ? NODES.objectNode() : previous.deepCopy();
    o.put("format_version", FORMAT_VERSION);
    o.put("domain", domain.toString());
    o.put("generation", generation);
    putText(o, "current", current);
    if (owned.isEmpty()) {
      o.remove("owned_images");
    } else {
      ArrayNode a = NODES.arrayNode();
      owned.forEach(p -> a.add(p.toString()));
      o.set("owned_images", a);
    }
    return o;
  }

  /**
   * Reads the internal snapshots deletes deferred from the domain record: {@code deferred_internal_snapshots},
   * a list of objects with {@code pdev_path} (the image) and {@code tag}; none when absent, as in records
   * written before it existed.
   *
   * @param file the domain record's file
   * @param domain its JSON
   * @return the deferred clean-ups
   */
  public static Set<DeferredCleanup> readDeferred(Path file, ObjectNode domain) {
    JsonNode list = domain.get(DEFERRED);
    if (list == null) {
      return Set.of();
    }
    if (!list.isArray()) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, DEFERRED + " is not a list", null);
    }
    Set<DeferredCleanup> out = new LinkedHashSet<>();
    for (JsonNode item : list) {
      if (!item.isObject()) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "an entry of " + DEFERRED + " is not an object", null);
      }
      Path image = Path.of(text(file, (ObjectNode) item, "pdev_path", true).orElseThrow());
      if (!image.isAbsolute()) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "deferred image " + image + " is not absolute", null);
      }
      out.add(DeferredCleanup.internalSnapshot(image, text(file, (ObjectNode) item, "tag", true).orElseThrow()));
    }
    return Set.copyOf(out);
  }

  /**
   * Sets {@code deferred_internal_snapshots} of a domain record (see {@link #readDeferred}), sorted;
   * removes it when there are none.
   *
   * @param domain the domain record's JSON
   * @param deferred the deferred clean-ups
   */
  public static void putDeferred(ObjectNode domain, Set<DeferredCleanup> deferred) {
    if (deferred.isEmpty()) {
      domain.remove(DEFERRED);
      return;
    }
    ArrayNode a = NODES.arrayNode();
    deferred.stream().sorted(Comparator.comparing((DeferredCleanup c) -> c.image().toString())
        .thenComparing(c -> c.tag().orElseThrow())).forEach(c -> {
          ObjectNode o = a.addObject();
          o.put("pdev_path", c.image().toString());
          o.put("tag", c.tag().orElseThrow());
        });
    domain.set(DEFERRED, a);
  }

  /**
   * Encodes JSON as the file's bytes: YAJL-style 4-space indentation, a final newline.
   *
   * @param node the JSON
   * @return UTF-8 bytes
   */
  public static byte[] bytes(JsonNode node) {
    try {
      byte[] b = Writing.WRITER.writeValueAsBytes(node);
      byte[] out = java.util.Arrays.copyOf(b, b.length + 1);
      out[b.length] = '\n';
      return out;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode JSON", e);
    }
  }

  /**
   * Returns a new empty JSON object.
   *
   * @return the object
   */
  public static ObjectNode newObject() {
    return NODES.objectNode();
  }

  // ---------------------------------------------------------------------------------------------
  // field helpers

  private static ObjectNode child(ObjectNode o, String key) {
    JsonNode n = o.get(key);
    if (n instanceof ObjectNode obj) {
      return obj;
    }
    return o.putObject(key);
  }

  private static void putText(ObjectNode o, String key, Optional<String> value) {
    value.ifPresentOrElse(v -> o.put(key, v), () -> o.remove(key));
  }

  private static void putBool(ObjectNode o, String key, boolean value) {
    if (value) {
      o.put(key, true);
    } else {
      o.remove(key);
    }
  }

  private static void putStamp(ObjectNode o, String key, Optional<FileStamp> stamp) {
    stamp.ifPresentOrElse(s -> {
      ObjectNode n = o.putObject(key);
      n.put("size", s.size());
      n.put("modified", s.modified().toString());
    }, () -> o.remove(key));
  }

  private static CorruptMetadataException wrong(Path file, String field, String expected) {
    return new CorruptMetadataException(file, Problem.WRONG_TYPE, field + " is not " + expected, null);
  }

  static Optional<String> text(Path file, ObjectNode o, String key, boolean required) {
    JsonNode n = o.get(key);
    if (n == null || n.isNull()) {
      if (required) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, key + " is missing", null);
      }
      return Optional.empty();
    }
    if (!n.isTextual()) {
      throw wrong(file, key, "a string");
    }
    return Optional.of(n.textValue());
  }

  private static Optional<Long> integer(Path file, ObjectNode o, String key, boolean required, long min, long max) {
    JsonNode n = o.get(key);
    if (n == null) {
      if (required) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, key + " is missing", null);
      }
      return Optional.empty();
    }
    if (!n.isIntegralNumber() || !n.canConvertToLong()) {
      throw wrong(file, key, "an integer");
    }
    long v = n.longValue();
    if (v < min || v > max) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, key + " is " + v + ", out of range", null);
    }
    return Optional.of(v);
  }

  private static boolean bool(Path file, ObjectNode o, String key) {
    JsonNode n = o.get(key);
    if (n == null) {
      return false;
    }
    if (!n.isBoolean()) {
      throw wrong(file, key, "a boolean");
    }
    return n.booleanValue();
  }

  private static ObjectNode object(Path file, ObjectNode o, String key) {
    JsonNode n = o.get(key);
    if (n == null) {
      return NODES.objectNode();
    }
    if (!n.isObject()) {
      throw wrong(file, key, "an object");
    }
    return (ObjectNode) n;
  }

  private static List<String> strings(Path file, ObjectNode o, String key) {
    JsonNode n = o.get(key);
    if (n == null) {
      return List.of();
    }
    if (!n.isArray()) {
      throw wrong(file, key, "an array");
    }
    List<String> out = new ArrayList<>();
    for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
      JsonNode e = it.next();
      if (!e.isTextual()) {
        throw wrong(file, key + "[]", "a string");
      }
      out.add(e.textValue());
    }
    return out;
  }

  private static Optional<Path> path(Path file, ObjectNode o, String key) {
    return text(file, o, key, false).map(s -> {
      Path p;
      try {
        p = Path.of(s);
      } catch (java.nio.file.InvalidPathException e) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, key + " is not a path: " + s, e);
      }
      if (!p.isAbsolute()) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, key + " " + s + " is not absolute", null);
      }
      return p;
    });
  }

  private static Optional<Instant> instant(Path file, ObjectNode o, String key, boolean required) {
    return text(file, o, key, required).map(s -> {
      try {
        return Instant.parse(s);
      } catch (DateTimeParseException e) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, key + " '" + s + "' is not an ISO-8601 instant", e);
      }
    });
  }

  private static Optional<FileStamp> stamp(Path file, ObjectNode o, String key) {
    JsonNode n = o.get(key);
    if (n == null) {
      return Optional.empty();
    }
    if (!n.isObject()) {
      throw wrong(file, key, "an object");
    }
    ObjectNode s = (ObjectNode) n;
    long size = integer(file, s, "size", true, 0, Long.MAX_VALUE).orElseThrow();
    Instant modified = instant(file, s, "modified", true).orElseThrow();
    return Optional.of(new FileStamp(size, modified));
  }
}
