package io.github.xlsnap.core.sim;

import io.github.xlsnap.core.disk.QemuImg;
import java.nio.file.Path;

/**
 * A second process on a simulated host, started by {@link SimulatedHypervisorTest}: creates
 * diskless domains named {@code PREFIX-N} while the test creates its own.
 */
final class SimHostChildProcess {
  private SimHostChildProcess() {}

  /**
   * Creates the domains.
   *
   * @param args the host directory, the name prefix, the number of domains
   */
  public static void main(String[] args) {
    Path directory = Path.of(args[0]);
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    try (SimulatedHypervisor host = SimulatedHypervisor.open(directory, QemuImg.system())) {
      for (int i = 0; i < count; i++) {
        host.createDomain(SimDomainSpec.of(prefix + "-" + i, SimulatedHypervisor.PAGE_SIZE));
      }
    }
  }
}
