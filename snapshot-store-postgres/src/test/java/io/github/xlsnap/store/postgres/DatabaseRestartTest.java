package io.github.xlsnap.store.postgres;

import static io.github.xlsnap.store.postgres.Fixtures.chain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database stopped in the middle of an operation (a lease held, the final save not yet made): the
 * save fails typed and commits nothing, loads fail typed while it is down, and once it is back the
 * store works again, nothing lost; the old lease, whose session the stop ended, can no longer commit.
 */
@SuppressWarnings("try") // leases held by try-with-resources for their scope
class DatabaseRestartTest {
  private static final UUID DOMAIN = UUID.fromString("c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f");

  @TempDir
  Path data;

  @Test
  void aSaveWhileTheDatabaseIsDownFailsTypedAndTheStoreWorksAgainOnceItIsBack() throws Exception {
    PrivatePostgres pg = PrivatePostgres.startDedicated();
    String db = pg.createDatabase("restart");
    DomainMetadata before = chain(DOMAIN, 2, "before");
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).connectTimeout(Duration.ofSeconds(2)).open()) {
      store.save(before);
      SnapshotStore.Lease lease = store.lockDomain(DOMAIN, Duration.ofSeconds(5));
      store.saveIntent(DOMAIN, Optional.of("create s2"));

      pg.stop();
      Throwable save = catchThrowable(() -> store.save(chain(DOMAIN, 3, "during")));
      Throwable load = catchThrowable(() -> store.load(DOMAIN));

      assertThat(save).isInstanceOf(DatabaseUnreachableException.class).hasMessageContaining(pg.url(db));
      assertThat(load).isInstanceOf(DatabaseUnreachableException.class).hasMessageContaining(pg.url(db));

      pg.startAgain();
      assertThat(store.load(DOMAIN)).isEqualTo(before);
      assertThat(store.loadIntent(DOMAIN)).contains("create s2");
      assertThat(catchThrowable(() -> store.save(chain(DOMAIN, 3, "late")))).isInstanceOf(LeaseLostException.class);
      lease.close();

      try (SnapshotStore.Lease again = store.lockDomain(DOMAIN, Duration.ofSeconds(5))) {
        store.save(chain(DOMAIN, 3, "after"));
        store.saveIntent(DOMAIN, Optional.empty());
      }
      assertThat(store.load(DOMAIN)).isEqualTo(chain(DOMAIN, 3, "after"));
      assertThat(store.loadIntent(DOMAIN)).isEmpty();
    } finally {
      pg.stop();
    }
  }
}
