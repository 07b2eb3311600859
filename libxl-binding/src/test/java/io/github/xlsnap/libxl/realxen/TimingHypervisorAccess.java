package io.github.xlsnap.libxl.realxen;

import io.github.xlsnap.core.spi.Hypervisor;

/** Gives tests in other packages a {@link TimingHypervisor} around a hypervisor. */
public final class TimingHypervisorAccess {
  private final TimingHypervisor timing;

  public TimingHypervisorAccess(Hypervisor delegate) {
    this.timing = new TimingHypervisor(delegate);
  }

  public Hypervisor hypervisor() {
    return timing;
  }

  /** The guest's downtime in the last checkpoint, from suspend to resume, as text. */
  public String lastDowntime() {
    return timing.lastDowntime();
  }
}
