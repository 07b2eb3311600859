package io.github.xlsnap.core;

import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.core.testing.ForwardingSnapshotStore;
import java.io.UncheckedIOException;

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
}
