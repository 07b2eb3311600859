package io.github.xlsnap.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.store.JsonSnapshotStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the demo runs the whole lifecycle through real commands and prints the tree. */
class DemoTest {
  @TempDir Path dir;

  @Test
  void demoShowsRevertBringingDataBackAndTheTree() throws Exception {
    StringWriter text = new StringWriter();
    Demo.run(dir, new PrintWriter(text));
    String out = text.toString();

    assertThat(out).contains("$ export XLSNAP_CONNECT=sim://" + dir.resolve("host"))
        .contains("\n$ xlsnap snapshot-revert demo base\n")
        .contains("$ xlsnap sim-read demo --memory\nversion 1\n\n$ xlsnap sim-read demo --disk xvda\nversion 1\n")
        .contains("$ xlsnap snapshot-revert demo v3 --paused\n")
        .containsPattern("demo +3 +16 +1 +--p---")
        .contains("$ xlsnap sim-read demo --disk xvda\nversion 3\n");
    assertThat(out).contains("$ xlsnap snapshot-list demo --tree\nbase\n  |\n  +- v2\n  |   |\n  |   +- v3\n  |\n"
        + "  +- experiment (current)\n\n");
    assertThat(out).contains("$ xlsnap snapshot-delete demo v2\nDomain snapshot v2 deleted\n\n$ xlsnap snapshot-list demo --tree\nbase\n  |\n"
        + "  +- v3\n  |\n  +- experiment (current)\n\n"); // v2 merged into v3
    // every printed command is one the command line knows, and the store is the one the command line uses
    for (String line : out.lines().filter(l -> l.startsWith("$ xlsnap ")).toList()) {
      assertThat(line).matches("\\$ xlsnap (sim-init|sim-write|sim-read|snapshot-[a-z]+|list) .*|\\$ xlsnap list");
    }
    assertThat(Files.list(dir.resolve("host").resolve("snapshots")).toList()).isNotEmpty();
    assertThat(JsonSnapshotStore.open(dir.resolve("host").resolve("snapshots")).domains()).hasSize(1);
  }
}
