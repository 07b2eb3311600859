package io.github.xlsnap.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The protocol between a contract test and the lease-holding child it starts. */
class ChildProcessLeaseTest {
  private static final UUID DOMAIN = UUID.fromString("5e9e4b3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");

  @TempDir Path tmp;

  /** Holds the in-memory store's (empty) lease until told. */
  static final class Holder {
    public static void main(String[] args) {
      ChildProcessLease.holdUntilReleased(new InMemorySnapshotStore(Path.of(args[0])), UUID.fromString(args[1]));
    }
  }

  /** Fails before it takes the lease. */
  static final class FailingHolder {
    public static void main(String[] args) {
      throw new IllegalStateException("cannot open the store at " + args[0]);
    }
  }

  @Test
  void startReturnsOnceTheChildHoldsTheLeaseAndCloseWaitsForItsCleanExit() throws Exception {
    ChildProcessLease lease = ChildProcessLease.start(Holder.class, tmp, DOMAIN);

    lease.close();
    lease.close();
    assertThat(lease).isNotNull();
  }

  @Test
  void aChildThatExitsBeforeHoldingTheLeaseFailsStartWithItsStandardError() {
    assertThatThrownBy(() -> ChildProcessLease.start(FailingHolder.class, tmp, DOMAIN))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("printed null instead of HELD")
        .hasMessageContaining("cannot open the store at " + tmp.toAbsolutePath());
  }
}
