package io.github.xlsnap.libxl.realxen;

import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.RestoreRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A {@link Hypervisor} that delegates and measures the guest's downtime of the last checkpoint: from the
 * start of {@link #checkpoint} (the suspend) to the end of the following {@link #resume}, which covers
 * the memory image and the disk snapshots taken while suspended.
 */
final class TimingHypervisor implements Hypervisor {
  private final Hypervisor delegate;
  private long checkpointStart;
  private Duration suspendCall = Duration.ZERO;
  private Duration lastDowntime = Duration.ZERO;

  TimingHypervisor(Hypervisor delegate) {
    this.delegate = delegate;
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

  @Override public String backendName() { return delegate.backendName(); }
  @Override public List<DomainInfo> listDomains() { return delegate.listDomains(); }
  @Override public Optional<DomainInfo> find(DomainSelector selector) { return delegate.find(selector); }
  @Override public DomainInfo info(DomainRef domain) { return delegate.info(domain); }
  @Override public List<DomainDisk> disks(DomainRef domain) { return delegate.disks(domain); }
  @Override public void pause(DomainRef domain) { delegate.pause(domain); }
  @Override public void unpause(DomainRef domain) { delegate.unpause(domain); }
  @Override public void snapshotDisks(DomainRef domain, List<DiskSnapshotRequest> requests) {
    delegate.snapshotDisks(domain, requests);
  }
  @Override public void discardDiskSnapshots(DomainRef domain, List<DiskSnapshotRequest> requests) {
    delegate.discardDiskSnapshots(domain, requests);
  }
  @Override public void deleteInternalDiskSnapshot(DomainRef domain, String target, String tag) {
    delegate.deleteInternalDiskSnapshot(domain, target, tag);
  }
  @Override public DomainConfiguration configuration(DomainRef domain) { return delegate.configuration(domain); }
  @Override public DomainRef restore(RestoreRequest request) { return delegate.restore(request); }
  @Override public void destroy(DomainRef domain) { delegate.destroy(domain); }
  @Override public void shutdown(DomainRef domain) { delegate.shutdown(domain); }
  @Override public void close() {}
}
