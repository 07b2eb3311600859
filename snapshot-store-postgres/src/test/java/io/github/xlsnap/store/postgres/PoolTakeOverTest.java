package io.github.xlsnap.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.Recovery;
import io.github.xlsnap.core.RecoveryFailedException;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host of a pool killed with SIGKILL at the commit of a create (memory and an external disk
 * snapshot): another host, on the same database and storage, cannot recover the operation (the
 * domain ran on the dead host's hypervisor) and says so; an operator takes it over, which fences the
 * dead host, leaves no half snapshot, removes the memory image and keeps the overlay the domain had
 * been switched onto.
 */
class PoolTakeOverTest {
  private static final UUID DOMAIN = UUID.fromString("e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a80");

  @TempDir
  Path dir;

  @Test
  void anotherHostTakesOverTheCreateOfAHostKilledAtItsCommit() throws Exception {
    PrivatePostgres pg = PrivatePostgres.get();
    String db = pg.createDatabase("takeover");
    Properties p = new Properties();
    p.setProperty("url", pg.url(db));
    p.setProperty("user", PrivatePostgres.SUPERUSER);
    p.setProperty("password", PrivatePostgres.PASSWORD);
    p.setProperty("schema", "xlsnap");
    p.setProperty("dataRoot", dir.resolve("shared").toString());
    p.setProperty("hostId", "host-a");
    try (Writer w = Files.newBufferedWriter(dir.resolve("store.properties"))) {
      p.store(w, null);
    }
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), DyingHost.class.getName(), dir.toString(), DOMAIN.toString())
        .redirectError(dir.resolve("child.err").toFile()).start();
    String hostA;
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String line = out.readLine();
      assertThat(line).as("the child's output; its errors: %s", dir.resolve("child.err")).startsWith("HALT ");
      hostA = line.substring("HALT ".length());
    } finally {
      child.destroyForcibly(); // SIGKILL: the host dies with its domain
    }
    assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
    Path overlay;
    try (Stream<Path> s = Files.walk(dir.resolve("host-a"))) {
      overlay = s.filter(f -> f.getFileName().toString().contains(".xlsnap-")).findFirst().orElseThrow();
    }

    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(dir.resolve("shared")).hostId("host-b").open();
        SimulatedHypervisor hostB = SimulatedHypervisor.open(dir.resolve("host-b"), QemuImg.system())) {
      SnapshotManager b = SnapshotManager.builder(hostB, store).build();
      assertThat(store.foreignIntentHost(DOMAIN)).contains(hostA);
      assertThat(b.recoverAll()).isEmpty();
      assertThatThrownBy(() -> b.recover(DOMAIN)).isInstanceOf(RecoveryFailedException.class)
          .hasMessageContaining("recorded by host " + hostA);
      Path memory = store.dataDirectory(DOMAIN);
      try (Stream<Path> s = Files.list(memory)) {
        assertThat(s.toList()).as("memory images of s1 and of the half-made s2").hasSize(2);
      }

      Optional<Recovery> taken = b.takeOver(DOMAIN, hostA);

      assertThat(taken).hasValueSatisfying(r -> {
        assertThat(r.operation()).isEqualTo("create");
        assertThat(r.snapshot()).isEqualTo("s2");
        assertThat(r.completed()).isFalse();
      });
      assertThat(store.loadIntent(DOMAIN)).isEmpty();
      assertThat(b.tree(DomainSelector.byUuid(DOMAIN)).snapshots()).extracting(Snapshot::name).containsExactly("s1");
      try (Stream<Path> s = Files.list(memory)) {
        assertThat(s.toList()).as("the memory image of s1 only").hasSize(1);
      }
      assertThat(overlay).as("the overlay the domain was switched onto").exists();
      assertThat(b.recover(DOMAIN)).isEmpty();
    }
  }
}
