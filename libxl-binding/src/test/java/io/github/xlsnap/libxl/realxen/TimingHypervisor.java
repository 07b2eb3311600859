package io.github.xlsnap.libxl.realxen;

import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.testing.ForwardingHypervisor;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A {@link Hypervisor} that delegates and measures the guest's downtime of the last checkpoint: from the
 * start of {@link #checkpoint} (the suspend) to the end of the following {@link #resume}, which covers
 * the memory image and the disk snapshots taken while suspended.
 */
final class TimingHypervisor extends ForwardingHypervisor {
  private long checkpointStart;
  private Duration suspendCall = Duration.ZERO;
  private Duration lastDowntime = Duration.ZERO;

  TimingHypervisor(Hypervisor delegate) {
    super(delegate);
  }

  /** The last checkpoint-to-resume time, and how long the suspend call itself took. */
  synchronized String lastDowntime() {
    return String.format("downtime %d ms (suspend into the image %d ms)", lastDowntime.toMillis(), suspendCall.toMillis());
  }

  synchronized Duration downtime() {
    return lastDowntime;
  }

  @Override
  public synchronized CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode) {
    checkpointStart = System.nanoTime();
    CheckpointResult r = delegate.checkpoint(domain, memoryImage, mode);
    suspendCall = r.guestStopped();
    return r;
  }

  @Override
  public synchronized void resume(DomainRef domain) {
    delegate.resume(domain);
    lastDowntime = Duration.ofNanos(System.nanoTime() - checkpointStart);
  }

  /** Leaves the hypervisor open: its owner closes it. */
  @Override
  public void close() {}
}
