package io.github.xlsnap.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command: the demo runs the whole lifecycle and prints the tree. */
class DemoTest {
  @TempDir Path dir;

  @Test
  void demoShowsRevertBringingDataBackAndTheTree() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Demo.run(dir, new PrintStream(bytes, true, StandardCharsets.UTF_8));
    String out = bytes.toString(StandardCharsets.UTF_8);

    assertThat(out).contains("$ snapshot-revert demo base")
        .contains("guest memory reads 'version 1', disk xvda reads 'version 1'")
        .contains("the domain is paused; guest memory reads 'version 3', disk xvda reads 'version 3'");
    assertThat(out).contains("  base\n    v2\n      v3\n    experiment *\n");
    assertThat(out).contains("  base\n    v3\n    experiment *\n"); // v2 merged into v3
  }
}
