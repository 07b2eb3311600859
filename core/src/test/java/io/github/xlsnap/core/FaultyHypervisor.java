package io.github.xlsnap.core;

import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.RestoreRequest;
import io.github.xlsnap.core.testing.ForwardingHypervisor;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

/**
 * Wraps a {@link Hypervisor} and fails its n-th call that changes something, before the call does
 * anything. Queries are never failed.
 */
final class FaultyHypervisor extends ForwardingHypervisor {
  final InjectionPoint point = new InjectionPoint();

  FaultyHypervisor(Hypervisor delegate) {
    super(delegate);
  }

  private <T> T step(String what, Supplier<T> call) {
    if (point.hit()) {
      throw new HypervisorException(what, -3, "injected failure", null);
    }
    return call.get();
  }

  private void step(String what, Runnable call) {
    step(what, () -> {
      call.run();
      return null;
    });
  }

  @Override
  public void pause(DomainRef domain) {
    step("pause", () -> delegate.pause(domain));
  }

  @Override
  public void unpause(DomainRef domain) {
    step("unpause", () -> delegate.unpause(domain));
  }

  @Override
  public CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode) {
    return step("checkpoint", () -> delegate.checkpoint(domain, memoryImage, mode));
  }

  @Override
  public void resume(DomainRef domain) {
    step("resume", () -> delegate.resume(domain));
  }

  @Override
  public void snapshotDisks(DomainRef domain, List<DiskSnapshotRequest> requests) {
    step("snapshotDisks", () -> delegate.snapshotDisks(domain, requests));
  }

  @Override
  public void discardDiskSnapshots(DomainRef domain, List<DiskSnapshotRequest> requests) {
    step("discardDiskSnapshots", () -> delegate.discardDiskSnapshots(domain, requests));
  }

  @Override
  public void deleteInternalDiskSnapshot(DomainRef domain, String target, String tag) {
    step("deleteInternalDiskSnapshot", () -> delegate.deleteInternalDiskSnapshot(domain, target, tag));
  }

  @Override
  public DomainConfiguration configuration(DomainRef domain) {
    return step("configuration", () -> delegate.configuration(domain));
  }

  @Override
  public DomainRef restore(RestoreRequest request) {
    return step("restore", () -> delegate.restore(request));
  }

  @Override
  public void destroy(DomainRef domain) {
    step("destroy", () -> delegate.destroy(domain));
  }

  @Override
  public void shutdown(DomainRef domain) {
    step("shutdown", () -> delegate.shutdown(domain));
  }
}
