package io.github.xlsnap.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.xlsnap.core.DomainBusyException;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lease holder killed with SIGKILL: its lease frees as its session ends, another host takes the
 * domain within a bounded time and finds the dead holder's intent, naming its host, to take over.
 */
@SuppressWarnings("try") // leases held by try-with-resources for their scope
class KilledHolderTest {
  private static final UUID DOMAIN = UUID.fromString("d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70");

  @TempDir
  Path dir;

  @Test
  void theLeaseOfAKilledHolderFreesAndItsIntentIsTakenOver() throws Exception {
    PrivatePostgres pg = PrivatePostgres.get();
    String db = pg.createDatabase("killed");
    Properties p = new Properties();
    p.setProperty("url", pg.url(db));
    p.setProperty("user", PrivatePostgres.SUPERUSER);
    p.setProperty("password", PrivatePostgres.PASSWORD);
    p.setProperty("schema", "xlsnap");
    p.setProperty("dataRoot", dir.resolve("shared").toString());
    p.setProperty("hostId", "doomed-host");
    try (Writer w = Files.newBufferedWriter(dir.resolve("store.properties"))) {
      p.store(w, null);
    }
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), KilledHolder.class.getName(), dir.toString(), DOMAIN.toString())
        .redirectError(dir.resolve("child.err").toFile()).start();
    try (PostgresSnapshotStore survivor = pg.builder(db).dataRoot(dir.resolve("shared")).hostId("survivor").open()) {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertThat(out.readLine()).as("the child's output; its errors: %s", dir.resolve("child.err")).isEqualTo("HELD");
      assertThat(catchThrowable(() -> survivor.lockDomain(DOMAIN, Duration.ofMillis(200))))
          .isInstanceOf(DomainBusyException.class).hasMessageContaining("doomed-host");

      child.destroyForcibly(); // SIGKILL
      assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
      long start = System.nanoTime();
      try (SnapshotStore.Lease lease = survivor.lockDomain(DOMAIN, Duration.ofSeconds(20))) {
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
        assertThat(survivor.loadIntent(DOMAIN)).contains("create s9 (by the process about to be killed)");
        assertThat(survivor.intentHost(DOMAIN)).contains("doomed-host-" + child.pid());
        // the manager neither recovers nor waits for it here: only the domain's host sees the domain
        assertThat(survivor.foreignIntentHost(DOMAIN)).contains("doomed-host-" + child.pid());
        assertThat(survivor.domains()).containsExactly(DOMAIN);
        survivor.saveIntent(DOMAIN, Optional.empty()); // taken over: nothing of the create was committed
      }
      assertThat(survivor.domains()).isEmpty();
    } finally {
      child.destroyForcibly();
    }
  }
}
