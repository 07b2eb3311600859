package io.github.xlsnap.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code --json} documents are what {@code docs/json-output.md} says, field for field: each
 * object's field names are exactly the documented table's, in its order, every document starts with
 * the schema, and the documents about a domain's snapshots name the domain.
 */
class JsonOutputTest {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  @TempDir Path dir;
  String connect;
  Map<String, List<String>> documented;

  @BeforeEach
  void hostWithSnapshots() throws Exception {
    Path host = dir.resolve("host");
    run("sim-init", host.toString(), "--domain", "web", "--memory", "64K", "--disk", "1M");
    connect = "sim://" + host;
    run("--connect", connect, "snapshot-create", "web", "--name", "a");
    Path cfg = dir.resolve("b.cfg");
    Files.writeString(cfg, "name = \"b\"\ndescription = \"external\"\ndisks = ['xvda,1,qcow2," + dir.resolve("b.qcow2")
        + "']\n");
    run("--connect", connect, "snapshot-create", "web", cfg.toString());
    documented = tables(Files.readString(Path.of("..", "docs", "json-output.md")));
  }

  /** The field tables of the document, by the name in their {@code <!-- json:... -->} marker. */
  static Map<String, List<String>> tables(String markdown) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    Matcher m = Pattern.compile("<!-- json:([a-z-]+) -->\\n((?:\\|.*\\n)+)").matcher(markdown);
    while (m.find()) {
      List<String> fields = new ArrayList<>();
      for (String row : m.group(2).split("\n")) {
        Matcher f = Pattern.compile("^\\| `([a-z_]+)` \\|").matcher(row);
        if (f.find()) {
          fields.add(f.group(1));
        }
      }
      out.put(m.group(1), fields);
    }
    return out;
  }

  private String run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Xlsnap.run(new PrintWriter(out), new PrintWriter(err), args);
    assertThat(code).as("xlsnap %s: %s", List.of(args), err).isZero();
    return out.toString();
  }

  private JsonNode json(String... args) throws Exception {
    List<String> all = new ArrayList<>(List.of("--connect", connect));
    all.addAll(List.of(args));
    String text = run(all.toArray(String[]::new));
    assertThat(text.strip().lines().count()).as("one line").isEqualTo(1);
    JsonNode doc = MAPPER.readTree(text);
    assertThat(doc.fieldNames().next()).isEqualTo("schema");
    assertThat(doc.get("schema").asText()).isEqualTo(Json.SCHEMA);
    return doc;
  }

  private void is(String type, JsonNode object) {
    assertThat(documented).containsKey(type);
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    assertThat(names).as("fields of a %s", type).containsExactlyElementsOf(documented.get(type));
  }

  private static List<String> fields(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  @Test
  void everyDocumentIsTheDocumentedSchema() throws Exception {
    assertThat(documented.keySet()).containsExactly("domain-reference", "domain", "snapshot", "disk");

    JsonNode list = json("list", "--json");
    assertThat(fields(list)).containsExactly("schema", "domains");
    list.get("domains").forEach(d -> is("domain", d));
    assertThat(list.get("domains").findValuesAsText("state")).containsOnly("running");

    JsonNode snapshots = json("snapshot-list", "web", "--json");
    assertThat(fields(snapshots)).containsExactly("schema", "domain", "snapshots");
    is("domain-reference", snapshots.get("domain"));
    assertThat(snapshots.get("domain").get("name").asText()).isEqualTo("web");
    assertThat(snapshots.get("domain").get("uuid").asText()).isEqualTo(list.get("domains").get(1).get("uuid").asText());
    assertThat(snapshots.get("snapshots")).hasSize(2);
    for (JsonNode s : snapshots.get("snapshots")) {
      is("snapshot", s);
      s.get("disks").forEach(d -> is("disk", d));
    }

    JsonNode info = json("snapshot-info", "web", "b", "--json");
    assertThat(fields(info)).containsExactly("schema", "domain", "snapshot");
    is("domain-reference", info.get("domain"));
    is("snapshot", info.get("snapshot"));
    assertThat(info.get("snapshot").get("location").asText()).isEqualTo("external");
    assertThat(info.get("snapshot").get("disks").get(0).get("overlay").asText()).isEqualTo(dir.resolve("b.qcow2").toString());
    assertThat(info.get("snapshot").get("domain_state").asText()).isEqualTo("running");

    JsonNode current = json("snapshot-current", "web", "--json");
    assertThat(fields(current)).containsExactly("schema", "domain", "snapshot");
    assertThat(current.get("snapshot")).isEqualTo(info.get("snapshot"));

    Path cfg = dir.resolve("b.cfg");
    JsonNode dump = json("config-dump", cfg.toString(), "--snapshot");
    assertThat(fields(dump)).containsExactly("schema", "file", "kind", "config");
    assertThat(dump.get("kind").asText()).isEqualTo("snapshot-cfgfile");
    assertThat(dump.get("config").get("name").asText()).isEqualTo("b");
  }
}
