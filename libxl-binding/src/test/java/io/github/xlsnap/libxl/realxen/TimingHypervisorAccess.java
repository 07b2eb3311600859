package io.github.xlsnap.libxl.realxen;

import io.github.xlsnap.core.spi.Hypervisor;
import java.time.Duration;

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

  /** From the start of the last checkpoint to the end of the resume after it. */
  public Duration downtime() {
    return timing.downtime();
  }

  /** The guest's stop in the last checkpoint: the backend's {@code guestStopped} plus the disks and the resume. */
  public Duration finalStop() {
    return timing.finalStop();
  }

  /** The rounds of the last checkpoint. */
  public int rounds() {
    return timing.rounds();
  }
}
