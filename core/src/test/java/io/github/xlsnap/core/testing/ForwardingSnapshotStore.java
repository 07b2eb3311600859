package io.github.xlsnap.core.testing;

import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A {@link SnapshotStore} that forwards every call to another: the base of the test decorators (fault
 * injection, recording, holding an operation), which override only what they change. In the test-jar,
 * beside {@link ForwardingHypervisor}, for the same reason.
 */
public abstract class ForwardingSnapshotStore implements SnapshotStore {
  /** The store the calls go to. */
  protected final SnapshotStore delegate;

  /**
   * Wraps a store.
   *
   * @param delegate the store the calls go to
   */
  protected ForwardingSnapshotStore(SnapshotStore delegate) {
    this.delegate = delegate;
  }

  @Override
  public DomainMetadata load(UUID domain) {
    return delegate.load(domain);
  }

  @Override
  public void save(DomainMetadata metadata) {
    delegate.save(metadata);
  }

  @Override
  public Set<UUID> domains() {
    return delegate.domains();
  }

  @Override
  public void saveIntent(UUID domain, Optional<String> intent) {
    delegate.saveIntent(domain, intent);
  }

  @Override
  public Optional<String> loadIntent(UUID domain) {
    return delegate.loadIntent(domain);
  }

  @Override
  public Path dataDirectory(UUID domain) {
    return delegate.dataDirectory(domain);
  }

  @Override
  public Lease lockDomain(UUID domain, Duration timeout) {
    return delegate.lockDomain(domain, timeout);
  }

  @Override
  public java.util.Optional<String> foreignIntentHost(UUID domain) {
    return delegate.foreignIntentHost(domain);
  }
}
