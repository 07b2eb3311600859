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
  private long checkpointEnd;
  private Duration suspendCall = Duration.ZERO;
  private Duration lastDowntime = Duration.ZERO;
  private Duration lastFinalStop = Duration.ZERO;
  private int lastRounds = 1;

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

  /**
   * The guest's stop in the last checkpoint as the backend reports it ({@code guestStopped}: for a live
   * one, from the domain's suspension) plus the time from the checkpoint's return to the end of the
   * resume (the disk snapshots taken while suspended, and the resume).
   */
  synchronized Duration finalStop() {
    return lastFinalStop;
  }

  /** The rounds the last checkpoint reported. */
  synchronized int rounds() {
    return lastRounds;
  }

  @Override
  public synchronized CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode) {
    checkpointStart = System.nanoTime();
    CheckpointResult r = delegate.checkpoint(domain, memoryImage, mode);
    checkpointEnd = System.nanoTime();
    suspendCall = r.guestStopped();
    lastRounds = r.rounds();
    return r;
  }

  @Override
  public synchronized void resume(DomainRef domain) {
    delegate.resume(domain);
    long end = System.nanoTime();
    lastDowntime = Duration.ofNanos(end - checkpointStart);
    lastFinalStop = suspendCall.plusNanos(end - checkpointEnd);
  }

  /** Leaves the hypervisor open: its owner closes it. */
  @Override
  public void close() {}
}
