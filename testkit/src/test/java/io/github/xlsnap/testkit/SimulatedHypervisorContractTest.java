package io.github.xlsnap.testkit;

import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/** The simulated host passes the hypervisor contract. */
class SimulatedHypervisorContractTest extends HypervisorContract {
  @Override
  protected HypervisorFixture newFixture() throws IOException {
    return new SimulatedHostFixture();
  }

  /**
   * A simulated host in a temporary directory with the real {@code qemu-img}; its domains have 64 KiB
   * of memory and one 1 MiB qcow2 disk, {@code xvda}. Closing it deletes the whole host.
   */
  private static final class SimulatedHostFixture implements HypervisorFixture {
    private final Path directory = Files.createTempDirectory("xlsnap-sim-contract-");
    private final DiskImages images = QemuImg.system();
    private final SimulatedHypervisor hypervisor = SimulatedHypervisor.open(directory.resolve("host"), images);
    private final AtomicInteger domains = new AtomicInteger();

    SimulatedHostFixture() throws IOException {
      Files.createDirectories(scratchDirectory());
    }

    @Override
    public SimulatedHypervisor hypervisor() {
      return hypervisor;
    }

    @Override
    public DiskImages images() {
      return images;
    }

    @Override
    public DomainRef startDomain() {
      return hypervisor.createDomain(
          SimDomainSpec.of("guest" + domains.incrementAndGet(), 64 * 1024, SimDiskSpec.qcow2("xvda", 1024 * 1024)));
    }

    @Override
    public Path scratchDirectory() {
      return directory.resolve("scratch");
    }

    @Override
    public void close() {
      hypervisor.close();
      try (Stream<Path> files = Files.walk(directory)) {
        for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot remove " + directory, e);
      }
    }
  }
}
