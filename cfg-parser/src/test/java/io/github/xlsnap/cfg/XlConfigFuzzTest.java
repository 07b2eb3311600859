package io.github.xlsnap.cfg;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Coverage-guided fuzzing of every reader of the module with Jazzer: whatever the input, the only
 * exceptions are the documented typed ones, {@link ConfigSyntaxException} and
 * {@link ConfigValueException} (and {@link IllegalArgumentException} itself, not a subclass, from
 * {@link XlDisk#parse}); no input hangs (a per-input timeout) or overflows the stack. What parses also
 * writes back to the same values.
 *
 * <p>In a normal build this runs in regression mode: once on each input under
 * {@code src/test/resources/io/github/xlsnap/cfg/XlConfigFuzzTestInputs/readersThrowOnlyTypedErrors/}
 * (seeds and any crash the fuzzer ever found). {@code JAZZER_FUZZ=1} fuzzes instead, for
 * {@code maxDuration}; see the module's section of the README for the command.
 *
 * <p>The first byte picks the reader ({@code (b & 7) % 5}, so an ASCII digit '0'..'4' names it in a
 * seed file), the rest is its input:
 * <ol start="0">
 *   <li>{@link XlConfig#parse} of the rest as UTF-8, then write-and-parse-back of its values,
 *   <li>{@link SnapshotCfgFile#parse},
 *   <li>{@link DomainXlConfig#of} and every disk's {@link XlDisk#toDomainDisk},
 *   <li>{@link XlDisk#parse} of one disk spec and {@link XlDisk#toDomainDisk},
 *   <li>{@link XlConfig#read} of the raw bytes from a file (the strict UTF-8 decoding).
 * </ol>
 */
class XlConfigFuzzTest {
  private static final String SOURCE = "fuzz.cfg";
  private static Path file;

  // JUnit's @Timeout bounds each input in regression mode (a separate thread, so a hang fails rather
  // than blocks the build); Jazzer turns it into libFuzzer's -timeout=5 in fuzzing mode, where JUnit's
  // own timeouts must be off (-Djunit.jupiter.execution.timeout.mode=disabled) or JUnit would stop the
  // whole fuzzing run after 5 seconds.
  @Timeout(value = 5, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "60s")
  void readersThrowOnlyTypedErrors(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int reader = (input[0] & 7) % 5;
    byte[] rest = java.util.Arrays.copyOfRange(input, 1, input.length);
    String text = new String(rest, StandardCharsets.UTF_8);
    try {
      switch (reader) {
        case 0 -> {
          XlConfig config = XlConfig.parse(text, SOURCE);
          String written = XlConfigWriter.write(config.values());
          assertThat(XlConfig.parse(written, "written.cfg").values())
              .as("written back:%n%s", written)
              .isEqualTo(config.values());
        }
        case 1 -> SnapshotCfgFile.parse(text, SOURCE);
        case 2 -> DomainXlConfig.of(XlConfig.parse(text, SOURCE)).disks().forEach(XlDisk::toDomainDisk);
        case 3 -> {
          try {
            XlDisk.parse(text).toDomainDisk();
          } catch (IllegalArgumentException e) {
            // XlDisk.parse documents IllegalArgumentException; a subclass (NumberFormatException) is a bug.
            if (e.getClass() != IllegalArgumentException.class) {
              throw e;
            }
          }
        }
        default -> XlConfig.read(write(rest));
      }
    } catch (ConfigSyntaxException e) {
      assertThat(e.line()).isPositive();
      assertThat(e.column()).isPositive();
      assertThat(e.source()).isIn(SOURCE, file == null ? SOURCE : file.toString());
    } catch (ConfigValueException e) {
      assertThat(e.line()).isPositive();
      assertThat(e.key()).isNotEmpty();
    }
  }

  private static Path write(byte[] bytes) {
    try {
      if (file == null) {
        file = Files.createTempFile("xlsnap-fuzz", ".cfg");
        file.toFile().deleteOnExit();
      }
      return Files.write(file, bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
