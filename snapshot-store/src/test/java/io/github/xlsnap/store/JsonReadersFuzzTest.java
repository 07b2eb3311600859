package io.github.xlsnap.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.xlsnap.store.internal.Codec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Coverage-guided fuzzing of the store's readers with Jazzer: whatever bytes a metadata file holds,
 * reading it fails only with {@link CorruptMetadataException} naming the file, and {@code check}
 * reports it as a finding instead of throwing. Nothing hangs (5 s per input).
 *
 * <p>In a normal build this runs once on each input under
 * {@code src/test/resources/io/github/xlsnap/store/JsonReadersFuzzTestInputs/readersThrowOnlyCorruptMetadata/};
 * {@code JAZZER_FUZZ=1} fuzzes instead. The first byte picks the reader ({@code (b & 3) % 3}: ASCII
 * '0', '1' and '2' name them in a seed file): 0 a snapshot file, 1 the domain record, 2 a whole store
 * holding the rest as a snapshot file.
 */
class JsonReadersFuzzTest {
  private static final UUID DOMAIN = UUID.fromString("0b1e8a55-2b43-4a9b-9a4e-4d7d6f1f0a11");

  @Timeout(value = 5, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "30s")
  void readersThrowOnlyCorruptMetadata(byte[] input) throws IOException {
    if (input.length == 0) {
      return;
    }
    byte[] rest = Arrays.copyOfRange(input, 1, input.length);
    Path file = Path.of("/nonexistent/snapshotdata-s.libxl-json");
    try {
      switch ((input[0] & 3) % 3) {
        case 0 -> Codec.readSnapshot(file, rest, "s");
        case 1 -> Codec.readDomain(file.resolveSibling("xlsnap-domain.libxl-json"), rest);
        default -> throughTheStore(rest);
      }
    } catch (CorruptMetadataException e) {
      assertThat(e.getMessage()).containsAnyOf("snapshotdata-s.libxl-json", "xlsnap-domain.libxl-json");
    }
  }

  private static void throughTheStore(byte[] content) throws IOException {
    Path root = Files.createTempDirectory("xlsnap-fuzz");
    try {
      Path dir = root.resolve(DOMAIN.toString());
      Files.createDirectory(dir);
      Path file = dir.resolve("snapshotdata-s.libxl-json");
      Files.write(file, content);
      JsonSnapshotStore store = JsonSnapshotStore.open(root);
      try {
        store.load(DOMAIN);
      } catch (CorruptMetadataException e) {
        assertThat(e.getMessage()).contains(file.toString());
      }
      // check never throws: a bad file is a finding, and the file is left as it was
      store.check(DOMAIN);
      assertThat(Files.readAllBytes(file)).isEqualTo(content);
    } finally {
      try (Stream<Path> s = Files.walk(root)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
