package io.github.xlsnap.core.disk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;

import io.github.xlsnap.core.DiskFormat;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * {@link Qcow2Header}, through {@link QemuImg#infoFromHeader}, against the real {@code qemu-img info}:
 * on images qemu-img made, both describe the image the same way; on images this reader leaves to
 * qemu-img, it answers empty; on metadata out of range, it names the field.
 */
class Qcow2HeaderTest {
  @TempDir Path dir;

  /** One image of a chain: how qemu-img creates it, and the snapshots it takes of it. */
  private record Layer(boolean v3, int clusterBits, long sizeSectors, boolean extendedL2, boolean zstd,
      boolean relativeBacking, List<String> snapshots) {}

  private static final String[] NAME_PARTS = {"s", "snap", "with space", "ünïcödé", "a,b", "x=1", "\u00e9t\u00e9",
      "日本", "-", "_", "tag.", "0x", "long-name-" + "n".repeat(40)};

  private static Gen<String> names() {
    return lists().of(integers().between(0, NAME_PARTS.length - 1)).ofSizeBetween(1, 3)
        .map(parts -> {
          StringBuilder b = new StringBuilder();
          parts.forEach(i -> b.append(NAME_PARTS[i]));
          return b.toString();
        });
  }

  private static Gen<Layer> layers() {
    Gen<Integer> clusterBits = integers().between(9, 21);
    Gen<Long> sectors = integers().between(1, 1 << 16).map(i -> (long) i)
        .mix(integers().between(1, 64).map(g -> (long) g << 21), 30); // up to 64 GiB, sparse
    return booleans().all().zip(clusterBits, sectors, (v3, bits, s) -> new Object[] {v3, bits, s})
        .zip(booleans().all(), booleans().all(), booleans().all(), (a, ext, zstd, rel) ->
            new Object[] {a[0], a[1], a[2], ext, zstd, rel})
        .zip(lists().of(names()).ofSizeBetween(0, 3), (a, snaps) -> {
          boolean v3 = (Boolean) a[0];
          int bits = (Integer) a[1];
          long size = bits < 16 ? Math.min((Long) a[2], 1 << 16) : (Long) a[2]; // small clusters: small L1 tables
          return new Layer(v3, bits, size, v3 && (Boolean) a[3] && bits >= 14, v3 && (Boolean) a[4],
              (Boolean) a[5], snaps.stream().distinct().toList());
        });
  }

  @Test
  void describesImagesQemuImgMadeAsQemuImgInfoDoes() {
    AtomicInteger example = new AtomicInteger();
    qt().withExamples(25).withShrinkCycles(5)
        .forAll(lists().of(layers()).ofSizeBetween(1, 3), booleans().all())
        .checkAssert((chain, rawBase) -> {
          Path d = dir.resolve("ex" + example.incrementAndGet());
          try {
            Files.createDirectory(d);
            List<Path> images = build(d, chain, rawBase);
            QemuImg qemu = QemuImg.system();
            for (Path image : images) {
              ImageInfo expected = ImageInfoJson.imageInfo(image,
                  run(d, "qemu-img", "info", "-U", "--output=json", image.toString()));
              Optional<ImageInfo> actual = QemuImg.infoFromHeader(image);
              if (expected.format() == DiskFormat.RAW) {
                assertThat(actual).as("a raw image is left to qemu-img").isEmpty();
                continue;
              }
              assertThat(actual).as("%s of %s", image.getFileName(), chain).contains(expected);
            }
            Path top = images.get(images.size() - 1);
            assertThat(qemu.backingChain(top)).isEqualTo(ImageInfoJson.backingChain(top,
                run(d, "qemu-img", "info", "-U", "--backing-chain", "--output=json", top.toString())));
          } catch (IOException | InterruptedException | UnexpectedOutputException e) {
            throw new AssertionError(e);
          }
        });
  }

  /** Creates the chain, base first, each on the one before; returns the images, base first. */
  private static List<Path> build(Path d, List<Layer> chain, boolean rawBase) throws IOException, InterruptedException {
    List<Path> images = new ArrayList<>();
    if (rawBase) {
      Path raw = d.resolve("base.raw");
      run(d, "qemu-img", "create", "-q", "-f", "raw", raw.toString(), Long.toString(chain.get(0).sizeSectors() * 512));
      images.add(raw);
    }
    for (int i = 0; i < chain.size(); i++) {
      Layer l = chain.get(i);
      Path image = d.resolve("layer" + i + ".qcow2");
      List<String> options = new ArrayList<>(List.of("compat=" + (l.v3() ? "1.1" : "0.10"),
          "cluster_size=" + (1 << l.clusterBits())));
      if (l.extendedL2()) {
        options.add("extended_l2=on");
      }
      if (l.zstd()) {
        options.add("compression_type=zstd");
      }
      List<String> command = new ArrayList<>(List.of("qemu-img", "create", "-q", "-f", "qcow2", "-o",
          String.join(",", options)));
      if (!images.isEmpty()) {
        Path backing = images.get(images.size() - 1);
        command.addAll(List.of("-b", l.relativeBacking() ? backing.getFileName().toString() : backing.toString(),
            "-F", backing.toString().endsWith(".raw") ? "raw" : "qcow2"));
      }
      command.add(image.toString());
      command.add(Long.toString(l.sizeSectors() * 512));
      run(d, command.toArray(String[]::new));
      for (String tag : l.snapshots()) {
        run(d, "qemu-img", "snapshot", "-c", tag, image.toString());
      }
      images.add(image);
    }
    return images;
  }

  @Test
  void leavesImagesThatAreNotPlainToQemuImg() throws Exception {
    Path raw = dir.resolve("disk.raw");
    run(dir, "qemu-img", "create", "-q", "-f", "raw", raw.toString(), "1M");
    assertThat(QemuImg.infoFromHeader(raw)).isEmpty();

    Path withDataFile = dir.resolve("data-file.qcow2");
    run(dir, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=" + dir.resolve("data.raw"),
        withDataFile.toString(), "1M");
    assertThat(QemuImg.infoFromHeader(withDataFile)).isEmpty();

    Path withBitmap = dir.resolve("bitmap.qcow2");
    run(dir, "qemu-img", "create", "-q", "-f", "qcow2", withBitmap.toString(), "1M");
    run(dir, "qemu-img", "bitmap", "--add", withBitmap.toString(), "b0");
    assertThat(QemuImg.infoFromHeader(withBitmap)).isEmpty();

    Path dirty = dir.resolve("dirty.qcow2");
    run(dir, "qemu-img", "create", "-q", "-f", "qcow2", dirty.toString(), "1M");
    patchLong(dirty, 72, 1); // incompatible_features: dirty
    assertThat(QemuImg.infoFromHeader(dirty)).isEmpty();
    assertThat(QemuImg.system().info(dirty).format()).isEqualTo(DiskFormat.QCOW2); // qemu-img reads it

    Path v1 = dir.resolve("qcow1.img");
    run(dir, "qemu-img", "create", "-q", "-f", "qcow", v1.toString(), "1M");
    assertThat(QemuImg.infoFromHeader(v1)).isEmpty();
  }

  @Test
  void aBackingFileNameWithAProtocolIsLeftToQemuImg() {
    assertThat(Qcow2Header.hasProtocol("nbd:localhost:10809")).isTrue();
    assertThat(Qcow2Header.hasProtocol("json:{}")).isTrue();
    assertThat(Qcow2Header.hasProtocol("./a:b")).isFalse();
    assertThat(Qcow2Header.hasProtocol("/images/a:b")).isFalse();
    assertThat(Qcow2Header.hasProtocol("base.qcow2")).isFalse();
  }

  @Test
  void aFieldOutOfRangeIsNamed() throws Exception {
    Path image = dir.resolve("disk.qcow2");
    run(dir, "qemu-img", "create", "-q", "-f", "qcow2", image.toString(), "1M");
    byte[] good = Files.readAllBytes(image);

    assertBad(good, 20, 4, 30, "header.cluster_bits");
    assertBad(good, 60, 4, 65537, "header.nb_snapshots");
    assertBad(good, 64, 8, 12345, "header.snapshots_offset");
    assertBad(good, 100, 4, 50, "header.header_length");
    assertBad(good, 36, 4, 0, "header.l1_size");
    assertBad(good, 56, 4, 0, "header.refcount_table_clusters");
    // a snapshot table past the end of the file
    byte[] b = good.clone();
    ByteBuffer.wrap(b).putInt(60, 3).putLong(64, 1L << 40);
    assertThatThrownBy(() -> Qcow2Header.read(image, bytes(b)))
        .isInstanceOfSatisfying(Qcow2FormatException.class, e -> {
          assertThat(e.field()).isEqualTo("snapshot table entry 0");
          assertThat(e.getMessage()).contains(image.toString()).contains("past the end");
        });
    // and the real file, so corrupted, goes to qemu-img, which names the problem
    Files.write(image, b);
    assertThat(QemuImg.infoFromHeader(image)).isEmpty();
  }

  private void assertBad(byte[] good, int offset, int width, long value, String field) {
    byte[] b = good.clone();
    if (width == 4) {
      ByteBuffer.wrap(b).putInt(offset, (int) value);
    } else {
      ByteBuffer.wrap(b).putLong(offset, value);
    }
    Path image = dir.resolve("bad.qcow2");
    assertThatThrownBy(() -> Qcow2Header.read(image, bytes(b)))
        .isInstanceOfSatisfying(Qcow2FormatException.class, e -> {
          assertThat(e.field()).isEqualTo(field);
          assertThat(e.image()).isEqualTo(image);
          assertThat(e.getMessage()).startsWith(image + ": qcow2 " + field + ": ");
        });
  }

  /** A source over bytes in memory. */
  static Qcow2Header.Source bytes(byte[] content) {
    return new Qcow2Header.Source() {
      @Override
      public long size() {
        return content.length;
      }

      @Override
      public void readFully(ByteBuffer dst, long position) throws IOException {
        if (position < 0 || position > content.length || dst.remaining() > content.length - position) {
          throw new java.io.EOFException();
        }
        dst.put(content, (int) position, dst.remaining());
      }
    };
  }

  private static void patchLong(Path file, long offset, long value) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.seek(offset);
      f.writeLong(value);
    }
  }

  private static String run(Path directory, String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("exit code of %s: %s", List.of(command), output).isZero();
    return output;
  }
}
