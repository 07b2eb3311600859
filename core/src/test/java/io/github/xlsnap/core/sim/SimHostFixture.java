package io.github.xlsnap.core.sim;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A simulated host in a temporary directory, with the real {@code qemu-img}: the fixture of the
 * simulated host's own tests (the hypervisor contract runs on it from xlsnap-testkit's tests). Closing
 * it deletes the whole host.
 */
final class SimHostFixture implements AutoCloseable {
  /** The memory of the tests' domains: 64 KiB. */
  static final long MEMORY_BYTES = 64 * 1024;
  /** The size of their disk: 1 MiB. */
  static final long DISK_BYTES = 1024 * 1024;

  private final Path directory;
  private final DiskImages images = QemuImg.system();
  private final SimulatedHypervisor hypervisor;

  SimHostFixture() throws IOException {
    directory = Files.createTempDirectory("xlsnap-sim-");
    Files.createDirectories(scratchDirectory());
    hypervisor = SimulatedHypervisor.open(hostDirectory(), images);
  }

  Path hostDirectory() {
    return directory.resolve("host");
  }

  SimulatedHypervisor hypervisor() {
    return hypervisor;
  }

  DiskImages images() {
    return images;
  }

  Path scratchDirectory() {
    return directory.resolve("scratch");
  }

  @Override
  public void close() {
    hypervisor.close();
    try {
      MoreFiles.deleteRecursively(directory, RecursiveDeleteOption.ALLOW_INSECURE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot remove " + directory, e);
    }
  }
}
