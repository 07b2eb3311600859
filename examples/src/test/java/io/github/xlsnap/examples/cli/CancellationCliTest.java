package io.github.xlsnap.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ctrl-C and SIGTERM in the middle of a snapshot-create, through the real command line: the signal
 * comes once the memory image is being written (seen on disk, not after a delay), the command exits
 * 130 or 143 with one line, the domain runs, and nothing of the snapshot is left.
 */
class CancellationCliTest {
  @TempDir Path dir;
  String connect;

  @BeforeEach
  void bigDomain() throws Exception {
    Path host = dir.resolve("host");
    // 1 GiB of guest memory: writing its image takes seconds, so the signal lands in the middle
    CliTest.Result r = CliTest.xlsnap("sim-init", host.toString(), "--domain", "big", "--memory", "1G", "--disk", "1M");
    assertThat(r.code()).as(r.err()).isZero();
    connect = "sim://" + host;
  }

  @ParameterizedTest
  @CsvSource({"INT, 130", "TERM, 143"})
  void aSignalDuringCreateRollsBackAndExitsWithOneLine(String signal, int code) throws Exception {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    // env --default-signal: a test JVM started in the background of a shell has SIGINT ignored, and
    // its children would inherit that
    List<String> command = new ArrayList<>(List.of("/usr/bin/env", "--default-signal=INT,TERM",
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classPath,
        "io.github.xlsnap.examples.cli.Xlsnap", "--connect", connect, "snapshot-create", "big", "--name", "s"));
    File out = File.createTempFile("xlsnap-out", ".txt");
    File err = File.createTempFile("xlsnap-err", ".txt");
    try {
      ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out).redirectError(err);
      pb.environment().remove("XLSNAP_CONNECT");
      Process p = pb.start();
      Path image = null;
      while (p.isAlive()) { // the signal: the memory image is being written
        image = memoryImage().orElse(null);
        if (image != null && Files.size(image) > (1 << 20)) {
          break;
        }
        p.waitFor(10, TimeUnit.MILLISECONDS);
      }
      assertThat(p.isAlive()).as("the create was still writing the memory image").isTrue();
      new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).inheritIO().start().waitFor();
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();

      String stderr = Files.readString(err.toPath(), StandardCharsets.UTF_8);
      assertThat(p.exitValue()).as(stderr).isEqualTo(code);
      assertThat(stderr.lines().toList()).containsExactly("xlsnap snapshot-create: cancelled by SIG" + signal
          + ": rolled back, nothing was changed; domain big is running");
      assertThat(Files.readString(out.toPath(), StandardCharsets.UTF_8)).isEmpty();
    } finally {
      Files.deleteIfExists(out.toPath());
      Files.deleteIfExists(err.toPath());
    }
    CliTest.Result list = CliTest.xlsnap("--connect", connect, "list");
    assertThat(list.out()).containsPattern("big +\\d+ +1024 +1 +r-----");
    assertThat(CliTest.xlsnap("--connect", connect, "snapshot-list", "big", "--name").out()).isEmpty();
    assertThat(memoryImage()).as("no memory image left").isEmpty();
  }

  private Optional<Path> memoryImage() throws Exception {
    Path store = dir.resolve("host").resolve("snapshots");
    if (!Files.isDirectory(store)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.walk(store)) {
      return s.filter(f -> f.getFileName().toString().equals("s.memory")).findFirst();
    }
  }
}
