package io.github.xlsnap.core.disk;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Coverage-guided fuzzing of the qcow2 header reader with Jazzer: it reads untrusted bytes, so
 * whatever they are it answers a description or empty (left to qemu-img), or throws
 * {@link Qcow2FormatException} naming the file and a field; it never throws anything else, never
 * runs out of memory on a huge snapshot count or name length, and never hangs (5 s per input).
 *
 * <p>In a normal build this runs once on each input under
 * {@code src/test/resources/io/github/xlsnap/core/disk/Qcow2HeaderFuzzTestInputs/readThrowsOnlyFormatExceptions/}
 * (headers of small images qemu-img made: versions 2 and 3, a backing file, internal snapshots);
 * {@code JAZZER_FUZZ=1} fuzzes instead ({@code scripts/fuzz.sh}).
 */
class Qcow2HeaderFuzzTest {
  private static final Path IMAGE = Path.of("/nonexistent/fuzzed.qcow2");

  @Timeout(value = 5, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "30s")
  void readThrowsOnlyFormatExceptions(byte[] input) throws IOException {
    try {
      Optional<Qcow2Header.Metadata> m = Qcow2Header.read(IMAGE, Qcow2HeaderTest.bytes(input));
      m.ifPresent(md -> {
        assertThat(md.virtualSize()).isNotNegative();
        assertThat(md.virtualSize() % 512).isZero();
        assertThat(md.snapshotNames().size()).isLessThanOrEqualTo(65536);
        md.backingFile().ifPresent(b -> assertThat(b).isNotEmpty().doesNotContain("\0"));
      });
    } catch (Qcow2FormatException e) {
      assertThat(e.image()).isEqualTo(IMAGE);
      assertThat(e.field()).isNotEmpty();
      assertThat(e.getMessage()).startsWith(IMAGE + ": qcow2 " + e.field() + ": ");
    }
  }
}
