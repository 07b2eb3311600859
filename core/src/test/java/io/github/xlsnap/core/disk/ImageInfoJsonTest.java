package io.github.xlsnap.core.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.DiskFormat;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The cases real qemu-img output does not easily produce; the rest is in {@link QemuImgTest}. */
class ImageInfoJsonTest {
  private static final Path IMAGE = Path.of("/images/vm/disk.qcow2");

  @Test
  void resolvesARelativeBackingFileAgainstTheImagesDirectory() throws Exception {
    ImageInfo info = ImageInfoJson.imageInfo(IMAGE, """
        {"format": "qcow2", "virtual-size": 1048576, "backing-filename": "../base/b.img",
         "backing-filename-format": "vpc"}""");

    assertThat(info.backingFile()).contains(Path.of("/images/vm/../base/b.img"));
    assertThat(info.backingFormat()).contains(DiskFormat.VHD);
  }

  @Test
  void prefersTheFullBackingFileName() throws Exception {
    ImageInfo info = ImageInfoJson.imageInfo(IMAGE, """
        {"format": "qcow2", "virtual-size": 0, "backing-filename": "b.img",
         "full-backing-filename": "/elsewhere/b.img"}""");

    assertThat(info.backingFile()).contains(Path.of("/elsewhere/b.img"));
    assertThat(info.backingFormat()).isEmpty();
  }

  @Test
  void mapsFormatsXlsnapDoesNotKnowToUnknown() throws Exception {
    ImageInfo info = ImageInfoJson.imageInfo(IMAGE, """
        {"format": "vmdk", "virtual-size": 512, "snapshots": []}""");

    assertThat(info.format()).isEqualTo(DiskFormat.UNKNOWN);
    assertThat(info.backingFile()).isEqualTo(Optional.empty());
  }

  @Test
  void rejectsDescriptionsWithoutWhatAnImageHas() {
    assertThatThrownBy(() -> ImageInfoJson.imageInfo(IMAGE, "{\"format\": \"raw\"}"))
        .isInstanceOf(UnexpectedOutputException.class)
        .hasMessageContaining("virtual-size");
    assertThatThrownBy(() -> ImageInfoJson.imageInfo(IMAGE,
        "{\"format\": \"raw\", \"virtual-size\": 1.5}"))
        .isInstanceOf(UnexpectedOutputException.class)
        .hasMessageContaining("virtual-size");
    assertThatThrownBy(() -> ImageInfoJson.imageInfo(IMAGE,
        "{\"format\": \"qcow2\", \"virtual-size\": 1, \"snapshots\": [{\"id\": \"1\"}]}"))
        .isInstanceOf(UnexpectedOutputException.class)
        .hasMessageContaining("name");
  }

  @Test
  void rejectsAChainThatDoesNotMatchItsBackingFiles() {
    String imageOnly = "{\"format\": \"qcow2\", \"virtual-size\": 1}";
    String withBacking = "{\"format\": \"qcow2\", \"virtual-size\": 1,"
        + " \"full-backing-filename\": \"/images/base.qcow2\"}";

    assertThatThrownBy(() -> ImageInfoJson.backingChain(IMAGE, "[" + withBacking + "]"))
        .isInstanceOf(UnexpectedOutputException.class)
        .hasMessageContaining("ends before /images/base.qcow2");
    assertThatThrownBy(() -> ImageInfoJson.backingChain(IMAGE,
        "[" + imageOnly + ", " + imageOnly + "]"))
        .isInstanceOf(UnexpectedOutputException.class)
        .hasMessageContaining("goes on after");
    assertThatThrownBy(() -> ImageInfoJson.backingChain(IMAGE, imageOnly))
        .isInstanceOf(UnexpectedOutputException.class)
        .hasMessageContaining("array");
  }
}
