package io.github.xlsnap.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LockedFiles}: a read of a file this process holds POSIX locks on leaves the locks in place,
 * where a plain open and close of the file drops them (the kernel's rule this class exists for).
 * The locks are looked up in {@code /proc/locks}.
 */
class LockedFilesTest {
  @TempDir Path dir;

  @Test
  void closingAnyDescriptorOfALockedFileDropsTheLocks() throws IOException {
    Path file = Files.write(dir.resolve("image"), new byte[4096]);
    try (FileChannel holder = FileChannel.open(file, StandardOpenOption.READ)) {
      FileLock lock = holder.tryLock(100, 1, true);
      assertThat(lock).isNotNull();
      assertThat(locksOf(file)).isOne();

      try (FileChannel other = FileChannel.open(file, StandardOpenOption.READ)) {
        other.read(java.nio.ByteBuffer.allocate(8), 0);
      }

      assertThat(locksOf(file)).as("locks left after another descriptor was closed").isZero();
    }
  }

  @Test
  void aReadOfARegisteredFileKeepsItsLocks() throws IOException {
    Path file = Files.write(dir.resolve("image"), "QFI\u00fbheader".getBytes(StandardCharsets.ISO_8859_1));
    Path link = Files.createSymbolicLink(dir.resolve("link"), file);
    RandomAccessFile holder = LockedFiles.JVM.open(file);
    try {
      assertThat(holder.getChannel().tryLock(100, 1, true)).isNotNull();
      assertThat(holder.getChannel().tryLock(201, 1, true)).isNotNull();
      assertThat(locksOf(file)).isEqualTo(2);

      byte[] read = LockedFiles.JVM.read(file, f -> {
        byte[] b = new byte[4];
        f.seek(0);
        f.readFully(b);
        return b;
      });
      // another path to the same file is the same file
      int length = LockedFiles.JVM.read(link, f -> (int) f.length());
      // an interrupted reader neither fails nor closes the holder's descriptor
      Thread.currentThread().interrupt();
      try {
        LockedFiles.JVM.read(file, f -> {
          f.seek(1);
          return f.read();
        });
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
      } finally {
        Thread.interrupted();
      }

      assertThat(read).containsExactly('Q', 'F', 'I', 0xfb - 256);
      assertThat(length).isEqualTo(10);
      assertThat(locksOf(file)).as("locks left after the reads").isEqualTo(2);
    } finally {
      LockedFiles.JVM.close(holder);
    }
    assertThat(locksOf(file)).isZero();
    // once no holder is registered, a read opens and closes the file itself
    long unheld = LockedFiles.JVM.read(file, f -> f.length());
    assertThat(unheld).isEqualTo(10L);
  }

  /** How many POSIX locks this process holds on the file, from /proc/locks. */
  private static int locksOf(Path file) throws IOException {
    long inode = (Long) Files.getAttribute(file, "unix:ino");
    String pid = Long.toString(ProcessHandle.current().pid());
    List<String> lines = Files.readAllLines(Path.of("/proc/locks"));
    return (int) lines.stream()
        .map(l -> l.trim().split("\\s+"))
        .filter(w -> w.length > 5 && w[1].equals("POSIX") && w[4].equals(pid)
            && w[5].endsWith(":" + inode))
        .count();
  }
}
