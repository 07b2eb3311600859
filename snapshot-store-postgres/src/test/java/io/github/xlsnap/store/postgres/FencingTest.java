package io.github.xlsnap.store.postgres;

import static io.github.xlsnap.store.postgres.Fixtures.chain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.DomainBusyException;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lease holder whose database session dies (its backend terminated, as when its host is cut off or
 * its process killed): the lease frees, another host takes it within a bounded time, and the first
 * holder's late commits are refused typed, changing nothing.
 */
@SuppressWarnings("try") // leases held by try-with-resources for their scope
class FencingTest {
  private static final UUID DOMAIN = UUID.fromString("f3e2d1c0-b9a8-4765-8432-10fedcba9876");

  private final PrivatePostgres pg = PrivatePostgres.get();
  private String database;
  private PostgresSnapshotStore hostA;
  private PostgresSnapshotStore hostB;

  @BeforeEach
  void open(@TempDir Path shared) {
    database = pg.createDatabase("fencing");
    hostA = pg.builder(database).dataRoot(shared).hostId("host-a").open();
    hostB = pg.builder(database).dataRoot(shared).hostId("host-b").open();
  }

  @AfterEach
  void close() {
    hostA.close();
    hostB.close();
  }

  @Test
  void aHolderWhoseSessionDiedCannotCommitAfterAnotherHostTookTheLease() throws Exception {
    DomainMetadata before = chain(DOMAIN, 2, "before");
    SnapshotStore.Lease leaseA = hostA.lockDomain(DOMAIN, Duration.ofSeconds(5));
    hostA.save(before);
    hostA.saveIntent(DOMAIN, Optional.of("create s2"));
    assertThatThrownBy(() -> hostB.lockDomain(DOMAIN, Duration.ZERO)).isInstanceOf(DomainBusyException.class)
        .hasMessageContaining("host-a");

    terminate(leasePid());
    long start = System.nanoTime();
    try (SnapshotStore.Lease leaseB = hostB.lockDomain(DOMAIN, Duration.ofSeconds(10))) {
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));

      assertThatThrownBy(() -> hostA.save(chain(DOMAIN, 3, "late"))).isInstanceOf(LeaseLostException.class)
          .hasMessageContaining("epoch");
      assertThatThrownBy(() -> hostA.saveIntent(DOMAIN, Optional.empty())).isInstanceOf(LeaseLostException.class);
      assertThat(hostB.load(DOMAIN)).isEqualTo(before);
      assertThat(hostB.loadIntent(DOMAIN)).contains("create s2");
      assertThat(hostB.intentHost(DOMAIN)).contains("host-a");

      // the new holder takes over the dead host's intent
      hostB.save(chain(DOMAIN, 1, "recovered by b"));
      hostB.saveIntent(DOMAIN, Optional.empty());
    }
    leaseA.close(); // its session is gone: closing is quiet
    assertThat(hostA.load(DOMAIN)).isEqualTo(chain(DOMAIN, 1, "recovered by b"));
    assertThat(hostA.loadIntent(DOMAIN)).isEmpty();
  }

  @Test
  void aHolderWhoseSessionDiedCannotCommitEvenBeforeAnotherHostTakesTheLease() throws Exception {
    DomainMetadata before = chain(DOMAIN, 2, "before");
    hostA.save(before);
    try (SnapshotStore.Lease leaseA = hostA.lockDomain(DOMAIN, Duration.ofSeconds(5))) {
      terminate(leasePid());

      assertThatThrownBy(() -> hostA.save(chain(DOMAIN, 3, "late"))).isInstanceOf(LeaseLostException.class)
          .hasMessageContaining("no longer holds");
      assertThatThrownBy(() -> hostA.saveIntent(DOMAIN, Optional.of("late"))).isInstanceOf(LeaseLostException.class);
    }
    assertThat(hostB.load(DOMAIN)).isEqualTo(before);
    assertThat(hostB.loadIntent(DOMAIN)).isEmpty();
    try (SnapshotStore.Lease again = hostA.lockDomain(DOMAIN, Duration.ofSeconds(5))) {
      hostA.save(chain(DOMAIN, 3, "after a new lease"));
    }
    assertThat(hostB.load(DOMAIN)).isEqualTo(chain(DOMAIN, 3, "after a new lease"));
  }

  @Test
  void saveWithoutALeaseIsNotFencedAndEpochsRise() throws Exception {
    long first;
    try (SnapshotStore.Lease lease = hostA.lockDomain(DOMAIN, Duration.ZERO)) {
      first = epoch();
    }
    try (SnapshotStore.Lease lease = hostB.lockDomain(DOMAIN, Duration.ZERO)) {
      assertThat(epoch()).isEqualTo(first + 1);
    }
    hostA.save(chain(DOMAIN, 1, "no lease"));
    assertThat(hostB.load(DOMAIN)).isEqualTo(chain(DOMAIN, 1, "no lease"));
  }

  private int leasePid() throws SQLException {
    try (Connection c = pg.connect(database);
        PreparedStatement ps = c.prepareStatement("SELECT backend_pid FROM xlsnap.leases WHERE domain = ?")) {
      ps.setObject(1, DOMAIN);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getInt(1);
      }
    }
  }

  private long epoch() throws SQLException {
    try (Connection c = pg.connect(database);
        PreparedStatement ps = c.prepareStatement("SELECT epoch FROM xlsnap.leases WHERE domain = ?")) {
      ps.setObject(1, DOMAIN);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next()).isTrue();
        return rs.getLong(1);
      }
    }
  }

  private void terminate(int pid) throws SQLException {
    try (Connection c = pg.connect(database);
        PreparedStatement ps = c.prepareStatement("SELECT pg_terminate_backend(?, 10000)")) {
      ps.setInt(1, pid);
      try (ResultSet rs = ps.executeQuery()) {
        assertThat(rs.next() && rs.getBoolean(1)).as("backend %s terminated", pid).isTrue();
      }
    }
  }
}
