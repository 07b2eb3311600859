package io.github.xlsnap.core.disk;

import static io.github.xlsnap.core.DiskFormat.QCOW2;
import static io.github.xlsnap.core.DiskFormat.RAW;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.xlsnap.core.DiskImageException;
import io.github.xlsnap.core.ToolNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.quicktheories.core.Gen;

/**
 * Runs {@link QemuImg} against the real qemu-img and qemu-io. These tests fail, not skip, when the
 * tools are missing: xlsnap's disk snapshots cannot be trusted without them.
 */
class QemuImgTest {
  private static final int MIB = 1 << 20;
  private static final int CLUSTER = 64 * 1024;

  @TempDir Path dir;

  private final QemuImg qemu = QemuImg.system();

  @BeforeAll
  static void toolsAreInstalled() {
    assertThat(QemuImg.system().isAvailable())
        .as("qemu-img and qemu-io on PATH (Debian package qemu-utils)")
        .isTrue();
  }

  @Test
  void createdImagesReportTheirFormatAndSize() {
    Path qcow2 = dir.resolve("disk.qcow2");
    Path raw = dir.resolve("disk.raw");

    qemu.create(qcow2, QCOW2, MIB);
    qemu.create(raw, RAW, 3 * 512);

    ImageInfo qcow2Info = qemu.info(qcow2);
    assertThat(qcow2Info.image()).isEqualTo(qcow2);
    assertThat(qcow2Info.format()).isEqualTo(QCOW2);
    assertThat(qcow2Info.virtualSize()).isEqualTo(MIB);
    assertThat(qcow2Info.backingFile()).isEmpty();
    assertThat(qcow2Info.backingFormat()).isEmpty();
    assertThat(qcow2Info.internalSnapshots()).isEmpty();
    assertThat(qemu.info(raw).format()).isEqualTo(RAW);
    assertThat(qemu.info(raw).virtualSize()).isEqualTo(3 * 512);
    assertThat(qemu.backingChain(qcow2)).containsExactly(qcow2);
  }

  @Test
  void createdFilesAreReadableByTheOwnerOnly() throws IOException {
    Path base = dir.resolve("base.qcow2");
    Path raw = dir.resolve("disk.raw");
    Path overlay = dir.resolve("overlay.qcow2");
    Path extracted = dir.resolve("extracted.qcow2");

    qemu.create(base, QCOW2, MIB);
    qemu.create(raw, RAW, MIB);
    qemu.createOverlay(overlay, base, QCOW2);
    qemu.createInternalSnapshot(base, "s");
    qemu.extractInternalSnapshot(base, "s", extracted);

    for (Path created : List.of(base, raw, overlay, extracted)) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(created)))
          .as("mode of %s", created)
          .isEqualTo("rw-------");
    }
  }

  @Test
  void neverOverwritesAnExistingFile() throws IOException {
    Path base = dir.resolve("base.qcow2");
    qemu.create(base, QCOW2, MIB);
    qemu.createInternalSnapshot(base, "s");
    Path existing = Files.writeString(dir.resolve("existing"), "keep me");

    assertThatThrownBy(() -> qemu.create(existing, QCOW2, MIB))
        .isInstanceOf(DiskImageException.class)
        .hasMessageContaining(existing.toString())
        .hasMessageContaining("already exists");
    assertThatThrownBy(() -> qemu.createOverlay(existing, base, QCOW2))
        .isInstanceOf(DiskImageException.class)
        .hasMessageContaining("already exists");
    assertThatThrownBy(() -> qemu.extractInternalSnapshot(base, "s", existing))
        .isInstanceOf(DiskImageException.class)
        .hasMessageContaining("already exists");
    assertThat(Files.readString(existing)).isEqualTo("keep me");
  }

  @Test
  void internalSnapshotRestoresTheBytesItTook() {
    Path image = dir.resolve("disk.qcow2");
    qemu.create(image, QCOW2, MIB);
    byte[] before = randomBytes(1, 3000);
    qemu.write(image, QCOW2, 1000, before);

    qemu.createInternalSnapshot(image, "before");
    qemu.write(image, QCOW2, 1000, randomBytes(2, 3000));
    qemu.createInternalSnapshot(image, "after");
    assertThat(qemu.info(image).internalSnapshots()).containsExactly("before", "after");

    qemu.applyInternalSnapshot(image, "before");
    assertSameBytes(qemu.read(image, QCOW2, 1000, before.length), before);

    qemu.deleteInternalSnapshot(image, "before");
    assertThat(qemu.info(image).internalSnapshots()).containsExactly("after");
    assertSameBytes(qemu.read(image, QCOW2, 1000, before.length), before);
  }

  @Test
  void refusesADuplicateTag() {
    Path image = dir.resolve("disk.qcow2");
    qemu.create(image, QCOW2, MIB);
    qemu.createInternalSnapshot(image, "daily");

    assertThatThrownBy(() -> qemu.createInternalSnapshot(image, "daily"))
        .isInstanceOf(DiskImageException.class)
        .hasMessageContaining("'daily' already exists")
        .hasMessageContaining(image.toString());
    assertThat(qemu.info(image).internalSnapshots()).containsExactly("daily");
  }

  @Test
  void refusesToUseAMissingTag() {
    Path image = dir.resolve("disk.qcow2");
    Path target = dir.resolve("extracted.qcow2");
    qemu.create(image, QCOW2, MIB);
    qemu.createInternalSnapshot(image, "present");

    for (Runnable operation : List.<Runnable>of(
        () -> qemu.applyInternalSnapshot(image, "absent"),
        () -> qemu.deleteInternalSnapshot(image, "absent"),
        () -> qemu.extractInternalSnapshot(image, "absent", target))) {
      assertThatThrownBy(operation::run)
          .isInstanceOfSatisfying(DiskImageException.class,
              e -> assertThat(e.image()).isEqualTo(image))
          .hasMessageContaining("'absent'")
          .hasMessageContaining(image.toString());
    }
    assertThat(target).doesNotExist();
    assertThat(qemu.info(image).internalSnapshots()).containsExactly("present");
  }

  @Test
  void refusesTagsQemuImgWouldMisread() {
    Path image = dir.resolve("disk.qcow2");
    qemu.create(image, QCOW2, MIB);

    for (String tag : List.of("", "1", "0042", "line\nbreak", "nul\0")) {
      assertThatThrownBy(() -> qemu.createInternalSnapshot(image, tag))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> qemu.applyInternalSnapshot(image, tag))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThat(qemu.info(image).internalSnapshots()).isEmpty();
  }

  @Test
  void refusesInternalSnapshotsOnRawImages() {
    Path image = dir.resolve("disk.raw");
    qemu.create(image, RAW, MIB);

    assertThatThrownBy(() -> qemu.createInternalSnapshot(image, "s"))
        .isInstanceOf(DiskImageException.class)
        .hasMessageContaining("not qcow2");
  }

  @Test
  void extractCopiesTheSnapshotsStateIntoAStandaloneImage() {
    Path image = dir.resolve("disk.qcow2");
    Path target = dir.resolve("extracted.qcow2");
    qemu.create(image, QCOW2, MIB);
    byte[] then = randomBytes(3, 5000);
    byte[] now = randomBytes(4, 5000);
    qemu.write(image, QCOW2, CLUSTER - 100, then);
    // Commas separate qemu options, '-' starts command-line options: both must pass untouched.
    String tag = "-odd,tag=ü ñ";
    qemu.createInternalSnapshot(image, tag);
    qemu.write(image, QCOW2, CLUSTER - 100, now);

    qemu.extractInternalSnapshot(image, tag, target);

    ImageInfo extracted = qemu.info(target);
    assertThat(extracted.format()).isEqualTo(QCOW2);
    assertThat(extracted.virtualSize()).isEqualTo(MIB);
    assertThat(extracted.backingFile()).isEmpty();
    assertThat(extracted.internalSnapshots()).isEmpty();
    assertSameBytes(qemu.read(target, QCOW2, CLUSTER - 100, then.length), then);
    assertSameBytes(qemu.read(image, QCOW2, CLUSTER - 100, now.length), now);
    assertThat(qemu.info(image).internalSnapshots()).containsExactly(tag);
  }

  @Test
  void overlayReadsTheBaseAndKeepsItsWritesToItself() {
    Path base = dir.resolve("base.qcow2");
    Path overlay = dir.resolve("overlay.qcow2");
    qemu.create(base, QCOW2, MIB);
    byte[] baseData = randomBytes(5, 2 * CLUSTER);
    qemu.write(base, QCOW2, 0, baseData);

    qemu.createOverlay(overlay, base, QCOW2);

    ImageInfo info = qemu.info(overlay);
    assertThat(info.format()).isEqualTo(QCOW2);
    assertThat(info.virtualSize()).isEqualTo(MIB);
    assertThat(info.backingFile()).contains(base);
    assertThat(info.backingFormat()).contains(QCOW2);
    assertSameBytes(qemu.read(overlay, QCOW2, 0, baseData.length), baseData);

    byte[] overlayData = randomBytes(6, 700);
    qemu.write(overlay, QCOW2, CLUSTER - 300, overlayData);

    assertSameBytes(qemu.read(overlay, QCOW2, CLUSTER - 300, overlayData.length), overlayData);
    assertSameBytes(qemu.read(base, QCOW2, 0, baseData.length), baseData);
  }

  @Test
  void backingChainListsEveryImageAbsolute() throws Exception {
    Path base = dir.resolve("base.raw");
    Path middle = dir.resolve("middle.qcow2");
    Path top = dir.resolve("top.qcow2");
    qemu.create(base, RAW, MIB);
    qemu.createOverlay(middle, base, RAW);
    // A backing file recorded as a relative name, as other tools write it.
    runInDirectory(dir, "qemu-img", "create", "-q", "-f", "qcow2",
        "-b", "middle.qcow2", "-F", "qcow2", "top.qcow2");

    assertThat(qemu.backingChain(top)).containsExactly(top, middle, base);
    assertThat(qemu.info(top).backingFile()).contains(middle);
    assertThat(qemu.info(middle).backingFormat()).contains(RAW);
  }

  @Test
  void rebasePreservesWhatTheImageReads() {
    Path oldBase = dir.resolve("old-base.qcow2");
    Path newBase = dir.resolve("new-base.qcow2");
    Path image = dir.resolve("image.qcow2");
    qemu.create(oldBase, QCOW2, MIB);
    qemu.create(newBase, QCOW2, MIB);
    qemu.write(oldBase, QCOW2, 0, randomBytes(7, 3 * CLUSTER));
    qemu.write(newBase, QCOW2, CLUSTER, randomBytes(8, 3 * CLUSTER));
    qemu.createOverlay(image, oldBase, QCOW2);
    qemu.write(image, QCOW2, 2 * CLUSTER - 10, randomBytes(9, 20));
    byte[] view = qemu.read(image, QCOW2, 0, MIB);

    qemu.rebase(image, Optional.of(newBase), QCOW2);

    assertThat(qemu.info(image).backingFile()).contains(newBase);
    assertThat(qemu.backingChain(image)).containsExactly(image, newBase);
    assertSameBytes(qemu.read(image, QCOW2, 0, MIB), view);

    qemu.rebase(image, Optional.empty(), QCOW2);

    assertThat(qemu.info(image).backingFile()).isEmpty();
    assertThat(qemu.backingChain(image)).containsExactly(image);
    assertSameBytes(qemu.read(image, QCOW2, 0, MIB), view);
  }

  @Test
  void commitWritesTheOverlayIntoItsBackingAndLeavesTheOverlayAsItWas() throws IOException {
    Path base = dir.resolve("base.qcow2");
    Path overlay = dir.resolve("overlay.qcow2");
    qemu.create(base, QCOW2, MIB);
    qemu.write(base, QCOW2, 0, randomBytes(10, CLUSTER));
    qemu.createOverlay(overlay, base, QCOW2);
    qemu.write(overlay, QCOW2, 1234, randomBytes(11, 4321));
    byte[] view = qemu.read(overlay, QCOW2, 0, 2 * CLUSTER);
    byte[] overlayFile = Files.readAllBytes(overlay);

    qemu.commit(overlay);

    assertSameBytes(qemu.read(base, QCOW2, 0, 2 * CLUSTER), view);
    assertSameBytes(Files.readAllBytes(overlay), overlayFile);
    assertThat(qemu.info(overlay).backingFile()).contains(base);
  }

  @Test
  void readReturnsExactlyTheBytesWrittenAtAnyOffset() {
    Path qcow2 = dir.resolve("disk.qcow2");
    Path raw = dir.resolve("disk.raw");
    qemu.create(qcow2, QCOW2, MIB);
    qemu.create(raw, RAW, MIB);
    // Unaligned, crossing sector (512) and cluster (65536) boundaries, and empty.
    int[][] offsetsAndLengths = {
        {1, 1}, {511, 2}, {1023, 513}, {CLUSTER - 1, 2}, {CLUSTER - 7, CLUSTER + 15},
        {3 * CLUSTER + 5, 0}, {MIB - 3, 3}};
    byte[] model = new byte[MIB];
    for (Path image : List.of(qcow2, raw)) {
      var format = image.equals(qcow2) ? QCOW2 : RAW;
      for (int[] range : offsetsAndLengths) {
        byte[] data = randomBytes(range[0] ^ range[1], range[1]);
        qemu.write(image, format, range[0], data);
        System.arraycopy(data, 0, model, range[0], data.length);

        assertSameBytes(qemu.read(image, format, range[0], range[1]), data);
      }
      assertSameBytes(qemu.read(image, format, 0, MIB), model);
    }
    assertThat(qemu.read(qcow2, QCOW2, 5, 0)).isEmpty();
  }

  @Test
  void readAndWritePastTheEndFail() {
    Path image = dir.resolve("disk.qcow2");
    qemu.create(image, QCOW2, MIB);

    assertThatThrownBy(() -> qemu.write(image, QCOW2, MIB - 1, new byte[2]))
        .isInstanceOfSatisfying(DiskImageException.class, e -> {
          assertThat(e.image()).isEqualTo(image);
          assertThat(e.exitCode()).isEqualTo(1);
          assertThat(e.command()).contains("-c");
        })
        .hasMessageContaining("write failed");
    assertThatThrownBy(() -> qemu.read(image, QCOW2, MIB, 1))
        .isInstanceOf(DiskImageException.class)
        .hasMessageContaining("read failed");
  }

  @Test
  void aMissingImageIsNamed() {
    Path missing = dir.resolve("missing.qcow2");

    assertThatThrownBy(() -> qemu.info(missing))
        .isInstanceOfSatisfying(DiskImageException.class, e -> {
          assertThat(e.image()).isEqualTo(missing);
          assertThat(e.exitCode()).isEqualTo(1);
          assertThat(e.command()).contains("info", missing.toString());
        })
        .hasMessageContaining(missing.toString())
        // qemu-img's own words
        .hasMessageContaining("No such file or directory");
    assertThatThrownBy(() -> qemu.read(missing, QCOW2, 0, 1))
        .isInstanceOf(DiskImageException.class)
        .hasMessageContaining(missing.toString());
    assertThatThrownBy(() -> qemu.write(missing, QCOW2, 0, new byte[0]))
        .isInstanceOf(DiskImageException.class)
        .hasMessageContaining(missing.toString());
  }

  @Test
  void aMissingToolNamesItsDebianPackage() {
    Path realQemuImg = findOnPath("qemu-img");
    QemuImg noQemuImg = QemuImg.withTools(dir.resolve("no-qemu-img"), findOnPath("qemu-io"));
    QemuImg noQemuIo = QemuImg.withTools(realQemuImg, dir.resolve("no-qemu-io"));
    Path image = dir.resolve("disk.qcow2");
    qemu.create(image, QCOW2, MIB);

    assertThat(noQemuImg.isAvailable()).isFalse();
    assertThat(noQemuIo.isAvailable()).isFalse();
    // a plain qcow2 image's header is read without qemu-img; a raw image needs it, as do snapshots
    assertThat(noQemuImg.info(image).format()).isEqualTo(QCOW2);
    Path raw = dir.resolve("disk.raw");
    qemu.create(raw, RAW, MIB);
    assertThatThrownBy(() -> noQemuImg.info(raw)).isInstanceOf(ToolNotFoundException.class);
    assertThatThrownBy(() -> noQemuImg.createInternalSnapshot(image, "s"))
        .isInstanceOfSatisfying(ToolNotFoundException.class, e -> {
          assertThat(e.tool()).isEqualTo("qemu-img");
          assertThat(e.debianPackage()).isEqualTo("qemu-utils");
        })
        .hasMessageContaining("qemu-utils");
    assertThatThrownBy(() -> noQemuIo.read(image, QCOW2, 0, 1))
        .isInstanceOfSatisfying(ToolNotFoundException.class,
            e -> assertThat(e.tool()).isEqualTo("qemu-io"));
    assertThat(noQemuIo.info(image).format()).isEqualTo(QCOW2);
  }

  @Test
  void aToolThatRunsTooLongIsKilled() throws IOException {
    QemuImg slow = QemuImg.withTools(script("slow-qemu-img", "exec sleep 30"),
        findOnPath("qemu-io")).withTimeout(Duration.ofMillis(300));
    Path image = dir.resolve("disk.qcow2");

    long start = System.nanoTime();
    assertThatThrownBy(() -> slow.info(image))
        .isInstanceOfSatisfying(DiskImageException.class,
            e -> assertThat(e.exitCode()).isEqualTo(-1))
        .hasMessageContaining("did not finish within PT0.3S");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void malformedInfoOutputNamesTheImageAndCommand() throws IOException {
    QemuImg garbled = QemuImg.withTools(
        script("garbled-qemu-img", "echo '{\"format\": \"qcow2\", \"virtual-size\": 1,'"),
        findOnPath("qemu-io"));
    Path image = dir.resolve("disk.qcow2");

    assertThatThrownBy(() -> garbled.info(image))
        .isInstanceOfSatisfying(DiskImageException.class, e -> {
          assertThat(e.image()).isEqualTo(image);
          assertThat(e.command()).contains("info", "--output=json", image.toString());
        })
        .hasMessageContaining(image.toString())
        .hasMessageContaining("invalid JSON");
  }

  @Test
  void interruptedCallerStartsNoToolAndKeepsTheInterruptFlag() {
    Path image = dir.resolve("disk.qcow2");
    qemu.create(image, QCOW2, MIB);

    Thread.currentThread().interrupt();
    try {
      // info of this plain qcow2 image runs no tool (its header is read in this process): a snapshot does
      assertThat(qemu.info(image).internalSnapshots()).isEmpty();
      assertThatThrownBy(() -> qemu.createInternalSnapshot(image, "s"))
          .isInstanceOf(DiskImageException.class)
          .hasCauseInstanceOf(InterruptedException.class);
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void timeoutMustBePositive() {
    assertThat(qemu.timeout()).isEqualTo(QemuImg.DEFAULT_TIMEOUT);
    assertThat(qemu.withTimeout(Duration.ofSeconds(5)).timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThatThrownBy(() -> qemu.withTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- property: internal snapshots against an in-memory model of the disk ----

  private static final int MODEL_SIZE = 3 * CLUSTER;

  /** One step of the property: write bytes, or take an internal snapshot. */
  private sealed interface Step permits Write, TakeSnapshot {}

  private record Write(int offset, int length, long seed) implements Step {
    byte[] data() {
      return randomBytes(seed, length);
    }
  }

  private record TakeSnapshot() implements Step {}

  @Test
  void eachInternalSnapshotRestoresTheModelOfItsTime() {
    AtomicInteger example = new AtomicInteger();
    qt().withExamples(20)
        .withShrinkCycles(20)
        .forAll(lists().of(step()).ofSizeBetween(1, 12))
        .checkAssert(steps -> checkSnapshotsAgainstModel(
            dir.resolve("model-" + example.incrementAndGet() + ".qcow2"), steps));
  }

  private static Gen<Step> step() {
    Gen<Integer> offsets = integers().between(0, MODEL_SIZE - 1);
    // Mostly short writes; now and then one longer than a cluster.
    Gen<Integer> lengths = integers().between(1, 600).mix(integers().between(1, CLUSTER + 1000), 20);
    Gen<Step> writes = offsets.zip(lengths, longs().all(),
        (offset, length, seed) -> new Write(offset, Math.min(length, MODEL_SIZE - offset), seed));
    return integers().between(0, 3).zip(writes, (choice, write) -> choice == 0
        ? new TakeSnapshot()
        : write);
  }

  private void checkSnapshotsAgainstModel(Path image, List<Step> steps) {
    qemu.create(image, QCOW2, MODEL_SIZE);
    byte[] model = new byte[MODEL_SIZE];
    Map<String, byte[]> modelAtSnapshot = new LinkedHashMap<>();
    for (Step step : steps) {
      if (step instanceof Write write) {
        byte[] data = write.data();
        qemu.write(image, QCOW2, write.offset(), data);
        System.arraycopy(data, 0, model, write.offset(), data.length);
      } else {
        String tag = "snap-" + modelAtSnapshot.size();
        qemu.createInternalSnapshot(image, tag);
        modelAtSnapshot.put(tag, model.clone());
      }
    }
    assertSameBytes(qemu.read(image, QCOW2, 0, MODEL_SIZE), model);
    assertThat(qemu.info(image).internalSnapshots())
        .containsExactlyElementsOf(modelAtSnapshot.keySet());
    // Newest first, so that each apply has to undo the writes after the snapshot.
    List<String> tags = new ArrayList<>(modelAtSnapshot.keySet());
    for (int i = tags.size() - 1; i >= 0; i--) {
      qemu.applyInternalSnapshot(image, tags.get(i));
      assertSameBytes(qemu.read(image, QCOW2, 0, MODEL_SIZE), modelAtSnapshot.get(tags.get(i)));
    }
  }

  // ---- helpers ----

  private static byte[] randomBytes(long seed, int length) {
    byte[] bytes = new byte[length];
    new Random(seed).nextBytes(bytes);
    return bytes;
  }

  /** Compares byte arrays, reporting the first difference instead of two huge arrays. */
  private static void assertSameBytes(byte[] actual, byte[] expected) {
    assertThat(actual.length).as("length").isEqualTo(expected.length);
    assertThat(Arrays.mismatch(actual, expected)).as("offset of the first differing byte")
        .isEqualTo(-1);
  }

  private Path script(String name, String body) throws IOException {
    Path script = dir.resolve(name);
    Files.writeString(script, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
    Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    return script;
  }

  private static Path findOnPath(String tool) {
    for (String directory : System.getenv("PATH").split(":")) {
      Path candidate = Path.of(directory, tool);
      if (!directory.isEmpty() && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw new AssertionError(tool + " is not on PATH");
  }

  private static void runInDirectory(Path directory, String... command)
      throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).directory(directory.toFile())
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor()).as("exit code of %s: %s", List.of(command), output).isZero();
  }
}
