package io.github.xlsnap.core.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.DiskImageException;
import io.github.xlsnap.core.spi.ChildProcesses;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The tools xlsnap runs start through the JVM-wide guard a backend installs ({@link ChildProcesses}). */
class ToolRunnerStartGuardTest {
  private static final Path IMAGE = Path.of("/nonexistent/image.qcow2");

  @AfterEach
  void uninstall() {
    ChildProcesses.uninstall();
  }

  @Test
  void aToolStartsThroughTheInstalledGuard() {
    List<List<String>> seen = new ArrayList<>();
    ChildProcesses.install(builder -> {
      seen.add(List.copyOf(builder.command()));
      return builder.start();
    });

    String out = ToolRunner.run(IMAGE, List.of("/bin/echo", "started"), Duration.ofSeconds(30));

    assertThat(out).isEqualTo("started\n");
    assertThat(seen).containsExactly(List.of("/bin/echo", "started"));
  }

  @Test
  void aGuardThatCannotStartTheToolIsATypedErrorNamingTheImage() {
    ChildProcesses.install(builder -> {
      throw new IOException("refused by the guard");
    });

    assertThatThrownBy(() -> ToolRunner.run(IMAGE, List.of("/bin/echo", "x"), Duration.ofSeconds(30)))
        .isInstanceOf(DiskImageException.class)
        .hasMessageContaining(IMAGE.toString())
        .hasMessageContaining("refused by the guard");
  }

  @Test
  void withoutAGuardAToolStartsDirectly() {
    assertThat(ToolRunner.run(IMAGE, List.of("/bin/echo", "direct"), Duration.ofSeconds(30))).isEqualTo("direct\n");
  }
}
