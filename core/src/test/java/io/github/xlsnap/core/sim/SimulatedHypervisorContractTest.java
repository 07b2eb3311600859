package io.github.xlsnap.core.sim;

import io.github.xlsnap.core.spi.HypervisorContract;
import io.github.xlsnap.core.spi.HypervisorFixture;

/** The simulated host passes the hypervisor contract. */
class SimulatedHypervisorContractTest extends HypervisorContract {
  @Override
  protected HypervisorFixture newFixture() throws Exception {
    return new SimHostFixture();
  }
}
