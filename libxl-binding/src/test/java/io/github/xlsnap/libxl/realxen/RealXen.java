package io.github.xlsnap.libxl.realxen;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.xlsnap.libxl.Libxl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the real-xen stage ({@code src/it/real-xen}) put things inside dom0, from system properties that
 * its {@code run-tests.sh} sets: the guest kernel and initramfs (the counter guest, {@code domu-init.sh})
 * and a scratch directory. Tests that need a real Xen host call {@link #assumePresent()}, which skips
 * them, with the reason, anywhere else.
 */
public final class RealXen {
  /** The guest's memory in MiB: as in the recipe (64 MiB is too small for the Debian kernel as a PV guest: "segment kernel too large"). */
  public static final int GUEST_MEMORY_MIB = 128;

  private RealXen() {}

  /** Skips the calling test unless this is a Xen dom0 prepared by the real-xen stage. */
  public static void assumePresent() {
    assumeTrue(Libxl.isAvailable(), () -> "needs a Xen dom0 (the real-xen Maven profile boots one): "
        + Libxl.unavailableReason().map(Throwable::getMessage).orElse("?"));
    assumeTrue(kernel().isPresent() && ramdisk().isPresent(),
        "needs the real-xen stage's guest kernel and initramfs (system properties xlsnap.realxen.kernel/ramdisk)");
  }

  /** Whether {@link #assumePresent()} would pass. */
  public static boolean present() {
    return Libxl.isAvailable() && kernel().isPresent() && ramdisk().isPresent();
  }

  static Optional<Path> kernel() {
    return file("xlsnap.realxen.kernel");
  }

  static Optional<Path> ramdisk() {
    return file("xlsnap.realxen.ramdisk");
  }

  /** The root for scratch directories: {@code xlsnap.realxen.scratch}, else the temporary directory. */
  public static Path scratchRoot() {
    return Path.of(System.getProperty("xlsnap.realxen.scratch", System.getProperty("java.io.tmpdir")));
  }

  /** Where scenario results (downtimes) are appended, if set. */
  public static Optional<Path> resultsFile() {
    return Optional.ofNullable(System.getProperty("xlsnap.realxen.results")).map(Path::of);
  }

  private static Optional<Path> file(String property) {
    return Optional.ofNullable(System.getProperty(property)).map(Path::of).filter(Files::isRegularFile);
  }

  /** Prints a scenario result on the console (the serial log) and appends it to the results file. */
  public static void report(String line) {
    System.out.println("@@SCENARIO " + line);
    resultsFile().ifPresent(f -> {
      try {
        Files.writeString(f, line + System.lineSeparator(), java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }
}
