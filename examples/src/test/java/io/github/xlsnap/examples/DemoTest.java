package io.github.xlsnap.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the demo runs the whole lifecycle and prints the tree. */
class DemoTest {
  @TempDir Path dir;

  @Test
  void demoShowsRevertBringingDataBackAndTheTree() {
    StringWriter text = new StringWriter();
    Demo.run(dir, new PrintWriter(text));
    String out = text.toString();

    assertThat(out).contains("$ snapshot-revert demo base")
        .contains("guest memory reads 'version 1', disk xvda reads 'version 1'")
        .contains("the domain is paused; guest memory reads 'version 3', disk xvda reads 'version 3'");
    assertThat(out).contains("  base\n    v2\n      v3\n    experiment *\n");
    assertThat(out).contains("  base\n    v3\n    experiment *\n"); // v2 merged into v3
  }
}
