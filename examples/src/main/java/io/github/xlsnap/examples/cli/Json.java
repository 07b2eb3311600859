package io.github.xlsnap.examples.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotTree;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;

/**
 * The {@code --json} output of the command line: one versioned schema, {@value #SCHEMA}, documented in
 * {@code docs/json-output.md}, written with Jackson. Every document is one object whose first field
 * is {@code "schema"}; a document about one domain's snapshots names that domain in {@code "domain"};
 * a field name means the same in every document.
 */
final class Json {
  /** The schema's name and version; a change that removes or redefines a field bumps the version. */
  static final String SCHEMA = "xlsnap/1";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  /** A new document: an object holding the schema. */
  static ObjectNode document() {
    ObjectNode doc = MAPPER.createObjectNode();
    doc.put("schema", SCHEMA);
    return doc;
  }

  /** A document about one domain's snapshots: the schema and the domain. */
  static ObjectNode document(String name, Optional<UUID> uuid) {
    ObjectNode doc = document();
    ObjectNode domain = doc.putObject("domain");
    domain.put("name", name);
    domain.put("uuid", uuid.map(UUID::toString).orElse(null));
    return doc;
  }

  /** A tree of maps, lists, strings, numbers and booleans as a JSON node. */
  static com.fasterxml.jackson.databind.JsonNode tree(Object value) {
    return MAPPER.valueToTree(value);
  }

  static String write(ObjectNode document) {
    try {
      return MAPPER.writeValueAsString(document);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON output", e); // a tree of nodes always serializes
    }
  }

  /** A domain of the host, as {@code list --json} prints it. */
  static void domain(ObjectNode n, DomainInfo d) {
    n.put("name", d.ref().name());
    n.put("uuid", d.ref().uuid().toString());
    n.put("domid", d.ref().domid());
    n.put("state", d.state().word());
    n.put("state_flags", d.state().xlLetters());
    n.put("memory_kib", d.memoryKib());
    n.put("vcpus", d.vcpus());
    n.put("cpu_time_s", d.cpuTime().toMillis() / 1000.0);
  }

  /** A snapshot, as {@code snapshot-list}, {@code snapshot-info} and {@code snapshot-current} print it. */
  static void snapshot(ObjectNode n, Snapshot sn, SnapshotTree t) {
    n.put("name", sn.name());
    n.put("create_time", sn.createTime().toString());
    n.put("description", sn.description());
    n.put("domain_state", sn.domainState().word());
    n.put("live", sn.live());
    n.put("current", t.current().equals(Optional.of(sn.name())));
    n.put("parent", sn.parent().orElse(null));
    strings(n.putArray("children"), sn.children());
    n.put("location", sn.isExternal() ? "external" : sn.isInternal() ? "internal" : "none");
    n.put("memory_path", sn.memoryImage().map(Path::toString).orElse(null));
    ArrayNode disks = n.putArray("disks");
    for (DiskSnapshot d : sn.disks()) {
      ObjectNode dn = disks.addObject();
      dn.put("target", d.target());
      dn.put("mode", d.mode().name().toLowerCase(Locale.ROOT));
      dn.put("format", d.format().xlName());
      dn.put("image", d.image().map(Path::toString).orElse(null));
      dn.put("tag", d.tag().orElse(null));
      dn.put("overlay", d.overlay().map(Path::toString).orElse(null));
    }
  }

  private static void strings(ArrayNode a, List<String> values) {
    values.forEach(a::add);
  }
}
