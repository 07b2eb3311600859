package io.github.xlsnap.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProgressWatcherTest {
  @TempDir Path dir;

  @Test
  void readPositionIsHowFarAnOpenDescriptorOfThisProcessHasRead() throws Exception {
    Path image = dir.resolve("memory");
    Files.write(image, new byte[1 << 16]);
    Path link = dir.resolve("link");
    Files.createSymbolicLink(link, image);
    assertThat(ProgressWatcher.readPosition(image)).as("no descriptor open on it").isZero();
    try (FileChannel c = FileChannel.open(image, StandardOpenOption.READ)) {
      c.read(ByteBuffer.allocate(12345));
      assertThat(ProgressWatcher.readPosition(image)).isEqualTo(12345);
      assertThat(ProgressWatcher.readPosition(link)).as("named through a link").isEqualTo(12345);
    }
    assertThat(ProgressWatcher.readPosition(dir.resolve("missing"))).isZero();
  }
}
