package io.github.xlsnap.core.sim;

import com.google.common.io.MoreFiles;
import com.google.common.io.RecursiveDeleteOption;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.spi.HypervisorFixture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A simulated host in a temporary directory, with the real {@code qemu-img}: the fixture of the
 * contract suite and of the simulated host's own tests. Closing it deletes the whole host.
 */
final class SimHostFixture implements HypervisorFixture {
  /** The memory of a domain from {@link #startDomain()}: 64 KiB. */
  static final long MEMORY_BYTES = 64 * 1024;
  /** The size of its disk: 1 MiB. */
  static final long DISK_BYTES = 1024 * 1024;

  private final Path directory;
  private final DiskImages images = QemuImg.system();
  private final SimulatedHypervisor hypervisor;
  private final AtomicInteger domains = new AtomicInteger();

  SimHostFixture() throws IOException {
    directory = Files.createTempDirectory("xlsnap-sim-");
    Files.createDirectories(scratchDirectory());
    hypervisor = SimulatedHypervisor.open(hostDirectory(), images);
  }

  Path hostDirectory() {
    return directory.resolve("host");
  }

  @Override
  public SimulatedHypervisor hypervisor() {
    return hypervisor;
  }

  @Override
  public DiskImages images() {
    return images;
  }

  /** Starts a running domain with 64 KiB of memory and one 1 MiB qcow2 disk, {@code xvda}. */
  @Override
  public DomainRef startDomain() {
    return hypervisor.createDomain(
        SimDomainSpec.of("guest" + domains.incrementAndGet(), MEMORY_BYTES, SimDiskSpec.qcow2("xvda", DISK_BYTES)));
  }

  @Override
  public Path scratchDirectory() {
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
