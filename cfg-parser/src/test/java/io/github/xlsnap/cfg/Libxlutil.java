package io.github.xlsnap.cfg;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real libxlutil 4.17 as a test oracle: compiles src/test/c/xlu_oracle.c with gcc into target/
 * once, then runs it. Fails (never skips) when libxen-dev or gcc is missing.
 */
final class Libxlutil {
  private static Path binary;

  private Libxlutil() {}

  static synchronized Path binary() {
    if (binary != null) {
      return binary;
    }
    if (!Files.exists(Path.of("/usr/include/libxlutil.h"))) {
      throw new AssertionError("libxlutil.h not found: install the Debian package libxen-dev "
          + "(apt-get install -y libxen-dev; .ci/run does it)");
    }
    Path out = Path.of("target", "xlu-oracle");
    run(List.of("gcc", "-O", "-Wall", "-Werror", "-o", out.toString(), "src/test/c/xlu_oracle.c", "-lxlutil", "-lxenlight"),
        null);
    binary = out;
    return out;
  }

  /** Parses a config text with libxlutil and queries the keys; returns the JSON objects. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> cfg(String text, List<String> keys) {
    try {
      Path f = Files.createTempFile(Path.of("target"), "oracle", ".cfg");
      try {
        Files.writeString(f, text, StandardCharsets.UTF_8);
        List<String> cmd = new ArrayList<>(List.of(binary().toString(), "cfg", f.toString()));
        cmd.addAll(keys);
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : run(cmd, null).split("\n")) {
          if (!line.isEmpty()) {
            out.add((Map<String, Object>) MiniJson.parse(line));
          }
        }
        return out;
      } finally {
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  /** Parses each disk spec alone with xlu_disk_parse; one JSON object per spec. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> disks(List<String> specs) {
    List<String> cmd = new ArrayList<>(List.of(binary().toString(), "disk"));
    cmd.addAll(specs);
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : run(cmd, null).split("\n")) {
      if (!line.isEmpty()) {
        out.add((Map<String, Object>) MiniJson.parse(line));
      }
    }
    return out;
  }

  private static String run(List<String> cmd, String unused) {
    try {
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("failed (" + p.exitValue() + "): " + cmd);
      }
      return new String(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot run " + cmd.get(0) + ": " + e.getMessage()
          + (cmd.get(0).equals("gcc") ? " (install gcc)" : ""), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
