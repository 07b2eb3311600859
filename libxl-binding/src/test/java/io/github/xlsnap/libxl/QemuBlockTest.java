package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.HypervisorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The QMP client and the external-snapshot block operations against a real QEMU 7.2
 * ({@code qemu-system-x86_64} from {@code qemu-system-x86}, the same QEMU as Debian's
 * {@code qemu-system-xen} device model), set up as Xen's qdisk sets up a disk: a qcow2 format node
 * named {@code xvda-qcow2} under an anonymous BlockBackend (a device that takes the node by name), the
 * guest never started ({@code -S}). Data is written through QEMU's own {@code qemu-io} and read back
 * from the files with the real {@code qemu-io}. Fails, never skips, when QEMU is missing.
 */
class QemuBlockTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private Path disk;
  private Path socket;
  private Process qemu;

  @BeforeEach
  void startQemu() throws Exception {
    Path base = dir.resolve("base.qcow2");
    disk = dir.resolve("disk.qcow2");
    run("qemu-img", "create", "-q", "-f", "qcow2", base.toString(), "16M");
    run("qemu-img", "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base.toString(), disk.toString());
    socket = dir.resolve("qmp.sock");
    qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "q35,accel=tcg", "-S", "-nodefaults",
        "-display", "none", "-qmp", "unix:" + socket + ",server=on,wait=off",
        "-blockdev", "driver=qcow2,node-name=xvda-qcow2,file.driver=file,file.filename=" + disk,
        "-device", "ide-hd,drive=xvda-qcow2,id=vd0")
        .redirectErrorStream(true).redirectOutput(dir.resolve("qemu.log").toFile()).start();
    long end = System.nanoTime() + TIMEOUT.toNanos();
    // the socket file appears at bind(), before QEMU listens: wait until a connection is accepted
    while (!accepts(socket)) {
      if (!qemu.isAlive() || System.nanoTime() > end) {
        throw new AssertionError("QEMU did not open its monitor: " + Files.readString(dir.resolve("qemu.log")));
      }
      Thread.sleep(20);
    }
  }

  private static boolean accepts(Path socket) {
    if (!Files.exists(socket)) {
      return false;
    }
    try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      return probe.connect(java.net.UnixDomainSocketAddress.of(socket));
    } catch (java.io.IOException refused) {
      return false;
    }
  }

  @AfterEach
  void stopQemu() throws Exception {
    qemu.destroy();
    if (!qemu.waitFor(10, TimeUnit.SECONDS)) {
      qemu.destroyForcibly();
    }
  }

  @Test
  void whileConnectedEveryDescriptorOfTheProcessIsCloseOnExecTheSocketIncluded() throws Exception {
    try (Qmp qmp = Qmp.connect(socket, TIMEOUT)) {
      assertThat(ChildFdsTest.inheritableFds()).as("descriptors a child of libxl would inherit").isEmpty();
      assertThat(ChildFds.PROCESS.active(ChildFds.Kind.MONITOR)).isPositive();
    }
    assertThat(ChildFds.PROCESS.active(ChildFds.Kind.MONITOR)).isZero();
  }

  @Test
  void rootsNameTheDiskNodeItsImageAndBackingFile() {
    try (Qmp qmp = Qmp.connect(socket, TIMEOUT)) {
      List<QemuBlock.Root> roots = QemuBlock.roots(qmp);

      assertThat(roots).containsExactly(new QemuBlock.Root("xvda-qcow2", disk, "qcow2",
          Optional.of(dir.resolve("base.qcow2"))));
      assertThat(QemuBlock.rootOf(roots, "xvda", "qcow2")).contains(roots.get(0));
      assertThat(QemuBlock.rootOf(roots, "xvdb", "qcow2")).isEmpty();
    }
  }

  @Test
  void anExternalSnapshotPutsAnOverlayOnTopThatTakesTheWritesFromThenOn() throws Exception {
    Path overlay = dir.resolve("overlay.qcow2");
    try (Qmp qmp = Qmp.connect(socket, TIMEOUT)) {
      write(qmp, 0x11);
      QemuBlock.Root root = QemuBlock.rootOf(QemuBlock.roots(qmp), "xvda", "qcow2").orElseThrow();
      String node = QemuBlock.overlayNodeName("xvda");

      QemuBlock.snapshot(qmp, root, overlay, node);
      write(qmp, 0x22);

      QemuBlock.Root top = QemuBlock.rootOf(QemuBlock.roots(qmp), "xvda", "qcow2").orElseThrow();
      assertThat(top).isEqualTo(new QemuBlock.Root(node, overlay, "qcow2", Optional.of(disk)));
      assertThat(node).matches("xvda-xlsnap[0-9a-f]{8}").hasSizeLessThan(32);
    }
    assertThat(pattern(disk)).as("the image below keeps the state of the snapshot").isEqualTo(0x11);
    assertThat(pattern(overlay)).as("the overlay, with its backing file, has the later write").isEqualTo(0x22);
  }

  @Test
  void committingTheTopOverlayMakesTheDiskUseTheImageBelowAgain() throws Exception {
    Path overlay = dir.resolve("overlay.qcow2");
    try (Qmp qmp = Qmp.connect(socket, TIMEOUT)) {
      write(qmp, 0x11);
      QemuBlock.Root root = QemuBlock.rootOf(QemuBlock.roots(qmp), "xvda", "qcow2").orElseThrow();
      QemuBlock.snapshot(qmp, root, overlay, QemuBlock.overlayNodeName("xvda"));
      QemuBlock.Root top = QemuBlock.rootOf(QemuBlock.roots(qmp), "xvda", "qcow2").orElseThrow();

      QemuBlock.Root back = QemuBlock.commitTop(qmp, top, TIMEOUT);

      assertThat(back).isEqualTo(root);
      assertThat(QemuBlock.roots(qmp)).containsExactly(root);
    }
    Files.delete(overlay);
    assertThat(pattern(disk)).isEqualTo(0x11);
  }

  @Test
  void committingTheTopOfTwoOverlaysGoesBackOneLevelNotToTheBottom() throws Exception {
    Path first = dir.resolve("first.qcow2");
    Path second = dir.resolve("second.qcow2");
    try (Qmp qmp = Qmp.connect(socket, TIMEOUT)) {
      QemuBlock.Root root = QemuBlock.rootOf(QemuBlock.roots(qmp), "xvda", "qcow2").orElseThrow();
      String firstNode = QemuBlock.overlayNodeName("xvda");
      QemuBlock.snapshot(qmp, root, first, firstNode);
      write(qmp, 0x33);
      QemuBlock.Root middle = QemuBlock.rootOf(QemuBlock.roots(qmp), "xvda", "qcow2").orElseThrow();
      QemuBlock.snapshot(qmp, middle, second, QemuBlock.overlayNodeName("xvda"));
      QemuBlock.Root top = QemuBlock.rootOf(QemuBlock.roots(qmp), "xvda", "qcow2").orElseThrow();
      assertThat(top.backingFile()).contains(first);

      QemuBlock.Root back = QemuBlock.commitTop(qmp, top, TIMEOUT);

      assertThat(back).isEqualTo(middle);
      assertThat(back.nodeName()).isEqualTo(firstNode);
    }
    assertThat(pattern(disk)).as("the bottom image is untouched").isZero();
    assertThat(pattern(first)).isEqualTo(0x33);
  }

  @Test
  void aRefusedCommandIsATypedErrorWithQemusReason() {
    try (Qmp qmp = Qmp.connect(socket, TIMEOUT)) {
      QemuBlock.Root ghost = new QemuBlock.Root("xvdz-qcow2", dir.resolve("x.qcow2"), "qcow2", Optional.empty());

      assertThatThrownBy(() -> QemuBlock.snapshot(qmp, ghost, dir.resolve("o.qcow2"), "xvdz-xlsnap00000000"))
          .isInstanceOf(HypervisorException.class)
          .hasMessageContaining("QEMU refused blockdev-snapshot-sync")
          .hasMessageContaining("GenericError")
          .hasMessageContaining("xvdz-qcow2")
          .hasMessageContaining(socket.toString());
      assertThat(QemuBlock.roots(qmp)).as("the connection still works").hasSize(1);
    }
    assertThat(dir.resolve("o.qcow2")).doesNotExist();
  }

  @Test
  void committingAnImageWithoutBackingFileIsRefusedBeforeQemuIsAsked() {
    try (Qmp qmp = Qmp.connect(socket, TIMEOUT)) {
      QemuBlock.Root lone = new QemuBlock.Root("xvda-qcow2", disk, "qcow2", Optional.empty());

      assertThatThrownBy(() -> QemuBlock.commitTop(qmp, lone, TIMEOUT))
          .isInstanceOf(HypervisorException.class).hasMessageContaining("has no backing file");
    }
  }

  @Test
  void aSocketAnotherClientHoldsTimesOutWithAClearError() {
    try (Qmp holder = Qmp.connect(socket, TIMEOUT)) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> Qmp.connect(socket, Duration.ofMillis(700)))
          .isInstanceOf(HypervisorException.class)
          .hasMessageContaining("another client holding the socket")
          .hasMessageContaining(socket.toString());
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      assertThat(QemuBlock.roots(holder)).as("the holder is not disturbed").hasSize(1);
    }
  }

  @Test
  void anInterruptedThreadGetsATypedErrorSayingSoAndStaysInterrupted() {
    Thread.currentThread().interrupt();
    try {
      assertThatThrownBy(() -> Qmp.connect(socket, TIMEOUT))
          .isInstanceOf(HypervisorException.class)
          .hasMessageContaining("the thread was interrupted");
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void aMissingSocketIsATypedErrorNamingIt() {
    Path missing = dir.resolve("no-such.sock");

    assertThatThrownBy(() -> Qmp.connect(missing, TIMEOUT))
        .isInstanceOf(HypervisorException.class)
        .hasMessageContaining("cannot connect to QEMU's monitor socket " + missing);
  }

  /**
   * Writes a 64 KiB pattern at offset 0 of the disk as the guest would, through the device's
   * BlockBackend (HMP {@code qemu-io -d}), which writes into whatever node is its root now, and
   * flushes it so that the files show it.
   */
  private static void write(Qmp qmp, int pattern) {
    var args = Qmp.arguments();
    args.put("command-line", "qemu-io -d vd0 \"write -P " + pattern + " 0 64k\"");
    String out = qmp.execute("human-monitor-command", args).asText();
    // QEMU 7.2 prints qemu-io's report on its own stdout: the monitor's answer is empty unless an error
    assertThat(out).as("qemu-io's answer").doesNotContainIgnoringCase("error").doesNotContain("conflict");
    args.put("command-line", "qemu-io -d vd0 flush");
    assertThat(qmp.execute("human-monitor-command", args).asText()).as("flush").isEmpty();
  }

  /** The byte at offset 0 of an image (with its backing chain), read by the real qemu-io. */
  private static int pattern(Path image) throws Exception {
    for (int p : new int[] {0, 0x11, 0x22, 0x33}) {
      // qemu-io exits non-zero when the pattern does not match
      Process read = new ProcessBuilder("qemu-io", "-U", "-r", "-f", "qcow2", "-c", "read -P " + p + " 0 64k",
          image.toString()).redirectErrorStream(true).start();
      String out = new String(read.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(read.waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(out).as("qemu-io read of %s", image).contains("read 65536/65536 bytes");
      if (!out.contains("Pattern verification failed")) {
        return p;
      }
    }
    throw new AssertionError("no known pattern at the start of " + image);
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }
}
