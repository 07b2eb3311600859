package io.github.xlsnap.core.testing;

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
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A {@link Hypervisor} that forwards every call to another: the base of the test decorators (fault
 * injection, timing, waiting for a boot), which override only what they change. In the test-jar, in a package
 * of its own: a package core's module does not have, so that other modules' tests compile against it
 * from the class path (no {@code --patch-module}).
 */
public abstract class ForwardingHypervisor implements Hypervisor {
  /** The hypervisor the calls go to. */
  protected final Hypervisor delegate;

  /**
   * Wraps a hypervisor.
   *
   * @param delegate the hypervisor the calls go to
   */
  protected ForwardingHypervisor(Hypervisor delegate) {
    this.delegate = delegate;
  }

  @Override
  public String backendName() {
    return delegate.backendName();
  }

  @Override
  public List<DomainInfo> listDomains() {
    return delegate.listDomains();
  }

  @Override
  public Optional<DomainInfo> find(DomainSelector selector) {
    return delegate.find(selector);
  }

  @Override
  public DomainInfo info(DomainRef domain) {
    return delegate.info(domain);
  }

  @Override
  public List<DomainDisk> disks(DomainRef domain) {
    return delegate.disks(domain);
  }

  @Override
  public void pause(DomainRef domain) {
    delegate.pause(domain);
  }

  @Override
  public void unpause(DomainRef domain) {
    delegate.unpause(domain);
  }

  @Override
  public CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode) {
    return delegate.checkpoint(domain, memoryImage, mode);
  }

  @Override
  public void resume(DomainRef domain) {
    delegate.resume(domain);
  }

  @Override
  public void snapshotDisks(DomainRef domain, List<DiskSnapshotRequest> requests) {
    delegate.snapshotDisks(domain, requests);
  }

  @Override
  public void discardDiskSnapshots(DomainRef domain, List<DiskSnapshotRequest> requests) {
    delegate.discardDiskSnapshots(domain, requests);
  }

  @Override
  public void deleteInternalDiskSnapshot(DomainRef domain, String target, String tag) {
    delegate.deleteInternalDiskSnapshot(domain, target, tag);
  }

  @Override
  public DomainConfiguration configuration(DomainRef domain) {
    return delegate.configuration(domain);
  }

  @Override
  public List<String> configurationChanges(DomainConfiguration then, DomainConfiguration now) {
    return delegate.configurationChanges(then, now);
  }

  @Override
  public DomainRef restore(RestoreRequest request) {
    return delegate.restore(request);
  }

  @Override
  public OptionalLong restoreProgress(Path memoryImage) {
    return delegate.restoreProgress(memoryImage);
  }

  @Override
  public void destroy(DomainRef domain) {
    delegate.destroy(domain);
  }

  @Override
  public void shutdown(DomainRef domain) {
    delegate.shutdown(domain);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
