package io.github.xlsnap.libxl.realxen;

import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.testing.ForwardingHypervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * A {@link Hypervisor} that delegates, and before a {@link #checkpoint} waits until the guest has booted
 * (its console shows a tick): a PV guest must answer the suspend request, which a kernel still booting
 * does not. Everything else runs at once, so that the contract tests that never checkpoint do not wait
 * for the boot (most of a test's time under TCG). A paused guest that has not booted yet is unpaused for
 * the wait and paused again.
 */
final class BootAwaitingHypervisor extends ForwardingHypervisor {
  private final Duration bootTimeout;
  private final Set<String> booted = new HashSet<>();

  BootAwaitingHypervisor(Hypervisor delegate, Duration bootTimeout) {
    super(delegate);
    this.bootTimeout = bootTimeout;
  }

  /** Records that a guest is known to have booted. */
  synchronized void booted(String name) {
    booted.add(name);
  }

  @Override
  public CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode) {
    awaitBoot(domain);
    return delegate.checkpoint(domain, memoryImage, mode);
  }

  private void awaitBoot(DomainRef domain) {
    synchronized (this) {
      if (booted.contains(domain.name())) {
        return;
      }
    }
    boolean paused = delegate.info(domain).state().paused();
    if (paused) {
      delegate.unpause(domain);
    }
    try {
      new GuestConsole(domain.name()).awaitTicks(0, 1, bootTimeout);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + domain + " to boot", e);
    } finally {
      if (paused) {
        delegate.pause(domain);
      }
    }
    booted(domain.name());
  }
}
