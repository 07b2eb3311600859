package io.github.xlsnap.core;

import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

/** Wraps a {@link SnapshotStore} and fails its n-th save, before it saves anything. */
final class FaultyStore implements SnapshotStore {
  private final SnapshotStore delegate;
  final InjectionPoint point = new InjectionPoint();

  FaultyStore(SnapshotStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public DomainMetadata load(UUID domain) {
    return delegate.load(domain);
  }

  @Override
  public void save(DomainMetadata metadata) {
    if (point.hit()) {
      throw new XlsnapException("injected failure of save", new UncheckedIOException(new java.io.IOException("disk full")));
    }
    delegate.save(metadata);
  }

  @Override
  public void saveIntent(UUID domain, java.util.Optional<String> intent) {
    delegate.saveIntent(domain, intent);
  }

  @Override
  public java.util.Optional<String> loadIntent(UUID domain) {
    return delegate.loadIntent(domain);
  }

  @Override
  public Set<UUID> domains() {
    return delegate.domains();
  }

  @Override
  public Path dataDirectory(UUID domain) {
    return delegate.dataDirectory(domain);
  }
}
