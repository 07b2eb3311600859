package io.github.xlsnap.store.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.ExportedMetadata;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.CorruptMetadataException;
import io.github.xlsnap.store.CorruptMetadataException.Problem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The export document of one domain's snapshot metadata (see {@code MetadataDocuments}): a JSON object
 * with {@code format} ({@value #FORMAT}), {@code version}, {@code domain} ({@code uuid}, {@code name}),
 * {@code current}, {@code owned_images}, {@code deferred_internal_snapshots} and {@code snapshots}, each
 * a snapshot in the JSON store's own vocabulary ({@link Codec#writeSnapshot}), parents before children.
 */
public final class ExportCodec {
  /** The value of the {@code format} field. */
  public static final String FORMAT = "xlsnap-snapshot-metadata";
  /** The version written; a document of a newer one is refused. */
  public static final int VERSION = 1;

  private ExportCodec() {}

  /**
   * Encodes the document.
   *
   * @param exported the metadata
   * @return the JSON bytes, ending with a newline
   */
  public static byte[] write(ExportedMetadata exported) {
    DomainMetadata m = exported.metadata();
    ObjectNode o = Codec.newObject();
    o.put("format", FORMAT);
    o.put("version", VERSION);
    ObjectNode d = o.putObject("domain");
    d.put("uuid", m.domain().toString());
    d.put("name", exported.domainName());
    m.current().ifPresent(c -> o.put("current", c));
    ArrayNode owned = o.putArray("owned_images");
    m.ownedImages().stream().map(Path::toString).sorted().forEach(owned::add);
    Codec.putDeferred(o, m.deferredCleanups());
    ArrayNode snapshots = o.putArray("snapshots");
    for (Snapshot s : m.tree().snapshots()) {
      snapshots.add(Codec.writeSnapshot(s, null));
    }
    return Codec.bytes(o);
  }

  /**
   * Decodes a document, strictly.
   *
   * @param file where the bytes came from, for errors
   * @param bytes the document
   * @return the metadata
   * @throws CorruptMetadataException naming the file and the field, if it cannot be used
   */
  public static ExportedMetadata read(Path file, byte[] bytes) {
    ObjectNode o = Codec.parseJsonObject(file, bytes);
    String format = Codec.text(file, o, "format", true).orElseThrow();
    if (!format.equals(FORMAT)) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "format is '" + format + "', not '" + FORMAT
          + "': not an xlsnap snapshot metadata export", null);
    }
    Codec.checkVersion(file, o, "version");
    ObjectNode d = object(file, o, "domain");
    String uuidText = Codec.text(file, d, "uuid", true).orElseThrow();
    UUID uuid;
    try {
      uuid = UUID.fromString(uuidText);
      if (!uuid.toString().equals(uuidText.toLowerCase(java.util.Locale.ROOT))) {
        throw new IllegalArgumentException("not canonical");
      }
    } catch (IllegalArgumentException e) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "domain.uuid '" + uuidText + "' is not a UUID", e);
    }
    String name = Codec.text(file, d, "name", true).orElseThrow();
    Optional<String> current = Codec.text(file, o, "current", false);
    List<Path> owned = new ArrayList<>();
    JsonNode ownedNode = o.get("owned_images");
    if (ownedNode != null) {
      if (!ownedNode.isArray()) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "owned_images is not an array", null);
      }
      for (int i = 0; i < ownedNode.size(); i++) {
        JsonNode p = ownedNode.get(i);
        if (!p.isTextual()) {
          throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "owned_images[" + i + "] is not a string", null);
        }
        owned.add(absolute(file, "owned_images[" + i + "]", p.textValue()));
      }
    }
    var deferred = Codec.readDeferred(file, o);
    JsonNode list = o.get("snapshots");
    if (list == null) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "snapshots is missing", null);
    }
    if (!list.isArray()) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "snapshots is not an array", null);
    }
    List<Snapshot> snapshots = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode s = list.get(i);
      if (!s.isObject()) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "snapshots[" + i + "] is not an object", null);
      }
      try {
        Codec.checkVersion(file, (ObjectNode) s, "format_version");
        snapshots.add(Codec.readSnapshot(file, (ObjectNode) s, Optional.empty()).snapshot());
      } catch (CorruptMetadataException e) {
        throw new CorruptMetadataException(file, e.problem(), "snapshots[" + i + "]: " + e.detail(), e);
      }
    }
    try {
      return new ExportedMetadata(name, new DomainMetadata(uuid, snapshots, current, Set.copyOf(owned), deferred));
    } catch (IllegalArgumentException e) {
      throw new CorruptMetadataException(file, Problem.INCONSISTENT, "the snapshots do not form a tree: "
          + e.getMessage(), e);
    }
  }

  private static ObjectNode object(Path file, ObjectNode o, String key) {
    JsonNode n = o.get(key);
    if (n == null) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, key + " is missing", null);
    }
    if (!n.isObject()) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, key + " is not an object", null);
    }
    return (ObjectNode) n;
  }

  private static Path absolute(Path file, String field, String text) {
    Path p;
    try {
      p = Path.of(text);
    } catch (java.nio.file.InvalidPathException e) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, field + " is not a path: " + text, e);
    }
    if (!p.isAbsolute()) {
      throw new CorruptMetadataException(file, Problem.WRONG_TYPE, field + " " + text + " is not absolute", null);
    }
    return p;
  }
}
