package io.github.xlsnap.store;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.xlsnap.core.ExportedMetadata;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * Coverage-guided fuzzing of the export document's reader with Jazzer, as {@link JsonReadersFuzzTest}
 * fuzzes the store's: whatever the bytes, {@link MetadataDocuments#parse} fails only with
 * {@link CorruptMetadataException} naming the source, and what it accepts writes back to a document that
 * reads as the same metadata. Nothing hangs (5 s per input).
 *
 * <p>A normal build runs it once on each input under
 * {@code src/test/resources/io/github/xlsnap/store/MetadataDocumentsFuzzTestInputs/parseThrowsOnlyCorruptMetadata/};
 * {@code JAZZER_FUZZ=1} fuzzes instead.
 */
class MetadataDocumentsFuzzTest {
  private static final Path SOURCE = Path.of("/nonexistent/web.snapshots.json");

  @Timeout(value = 5, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
  @FuzzTest(maxDuration = "30s")
  void parseThrowsOnlyCorruptMetadata(byte[] input) {
    ExportedMetadata read;
    try {
      read = MetadataDocuments.parse(SOURCE, input);
    } catch (CorruptMetadataException e) {
      assertThat(e.file()).isEqualTo(SOURCE);
      assertThat(e.getMessage()).startsWith(SOURCE.toString());
      return;
    }
    // what a document holds survives a write and a read; the order of its snapshots is not part of
    // it (the writer puts parents before children, siblings in creation order)
    ExportedMetadata again = MetadataDocuments.parse(SOURCE, MetadataDocuments.write(read));
    assertThat(again.domainName()).isEqualTo(read.domainName());
    assertThat(again.metadata().domain()).isEqualTo(read.metadata().domain());
    assertThat(again.metadata().tree()).isEqualTo(read.metadata().tree());
    assertThat(again.metadata().snapshots()).containsExactlyInAnyOrderElementsOf(read.metadata().snapshots());
    assertThat(again.metadata().ownedImages()).isEqualTo(read.metadata().ownedImages());
    assertThat(again.metadata().deferredCleanups()).isEqualTo(read.metadata().deferredCleanups());
  }
}
