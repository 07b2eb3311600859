package io.github.xlsnap.core;

import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.core.testing.ForwardingSnapshotStore;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.UUID;

/** Wraps a {@link SnapshotStore} and fails its n-th save, before it saves anything. */
final class FaultyStore extends ForwardingSnapshotStore {
  final InjectionPoint point = new InjectionPoint();

  FaultyStore(SnapshotStore delegate) {
    super(delegate);
  }

  @Override
  public void save(DomainMetadata metadata) {
    if (point.hit()) {
      throw new XlsnapException("injected failure of save", new UncheckedIOException(new java.io.IOException("disk full")));
    }
    delegate.save(metadata);
  }

  /**
   * Holds nothing: a thread these tests stop for good stands for a killed process, whose OS locks the
   * kernel frees, but a stopped thread would hold its lease for ever; the tests run one manager at a
   * time.
   */
  @Override
  public Lease lockDomain(UUID domain, Duration timeout) {
    return Lease.NONE;
  }
}
