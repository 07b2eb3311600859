package io.github.xlsnap.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.internal.PrivateFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file helpers shared by the manager and the stores fail with {@link XlsnapIOException} naming
 * the file and the operation, as the core package promises, never with an {@code UncheckedIOException}.
 * A regular file where a directory is expected provokes the errors (the tests run as root, so
 * permissions cannot).
 */
class FileErrorsAreTypedTest {
  @TempDir Path tmp;

  @Test
  void aFileStampThatCannotBeReadIsAnXlsnapIOExceptionNamingTheFile() throws Exception {
    Path file = Files.writeString(tmp.resolve("plain"), "x");
    Path under = file.resolve("child"); // ENOTDIR, not "no such file"
    assertThatThrownBy(() -> FileStamp.of(under)).isInstanceOfSatisfying(XlsnapIOException.class, e -> {
      assertThat(e.file()).contains(under);
      assertThat(e.operation()).isEqualTo("read the attributes of");
    });
    assertThat(FileStamp.of(tmp.resolve("absent"))).isEmpty();
  }

  @Test
  void aDirectoryThatCannotBeCreatedIsAnXlsnapIOExceptionNamingIt() throws Exception {
    Path file = Files.writeString(tmp.resolve("in-the-way"), "x");
    assertThatThrownBy(() -> PrivateFiles.createDirectories(file)).isInstanceOfSatisfying(XlsnapIOException.class,
        e -> {
          assertThat(e.file()).contains(file);
          assertThat(e.operation()).startsWith("create directory");
        });
    Path below = file.resolve("sub");
    assertThatThrownBy(() -> PrivateFiles.createDirectories(below)).isInstanceOf(XlsnapIOException.class)
        .hasMessageContaining(below.toString());
  }

  @Test
  void aFileThatCannotBeDeletedIsAnXlsnapIOExceptionNamingIt() throws Exception {
    Path dir = Files.createDirectory(tmp.resolve("full"));
    Files.writeString(dir.resolve("f"), "x"); // a non-empty directory cannot be deleted as a file
    assertThatThrownBy(() -> PrivateFiles.deleteIfExists(dir)).isInstanceOfSatisfying(XlsnapIOException.class, e -> {
      assertThat(e.file()).contains(dir);
      assertThat(e.operation()).isEqualTo("delete");
    });
  }
}
