package io.github.xlsnap.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two JVMs, each with a manager and a store of its own on one database and one simulated host, race
 * creates on one domain: only the store's lease orders them. The final tree equals a serial replay of
 * the acknowledged creates in the order of their creation times: one chain, each snapshot the child of
 * the one created before it, the last current.
 */
class RacingJvmsTest {
  private static final UUID VM_UUID = UUID.fromString("c3d4e5f6-a7b8-4c9d-8e0f-2a3b4c5d6e7f");
  private static final int CREATES_EACH = 4;

  @TempDir
  Path dir;

  @Test
  void createsRacedFromTwoJvmsEqualASerialReplayOfTheAcknowledgedOnes() throws Exception {
    PrivatePostgres pg = PrivatePostgres.get();
    String db = pg.createDatabase("racingjvms");
    Properties p = new Properties();
    p.setProperty("url", pg.url(db));
    p.setProperty("user", PrivatePostgres.SUPERUSER);
    p.setProperty("password", PrivatePostgres.PASSWORD);
    p.setProperty("schema", "xlsnap");
    p.setProperty("dataRoot", dir.resolve("shared").toString());
    p.setProperty("hostId", "racer");
    try (Writer w = Files.newBufferedWriter(dir.resolve("store.properties"))) {
      p.store(w, null);
    }
    try (SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host"), QemuImg.system())) {
      host.createDomain(new SimDomainSpec("vm1", Optional.of(VM_UUID), 64 * 1024, 1,
          List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20)), false));
    }
    List<Process> racers = new ArrayList<>();
    List<BufferedReader> outs = new ArrayList<>();
    try {
      for (String prefix : List.of("one-", "two-")) {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
            System.getProperty("java.class.path"), RacingJvm.class.getName(), dir.toString(), prefix,
            Integer.toString(CREATES_EACH)).redirectError(dir.resolve(prefix + "err").toFile()).start();
        racers.add(child);
        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        outs.add(out);
        assertThat(out.readLine()).as("%s's output; its errors: %s", prefix, dir.resolve(prefix + "err"))
            .isEqualTo("READY");
      }
      for (Process child : racers) { // go: both at once
        OutputStream in = child.getOutputStream();
        in.write('\n');
        in.flush();
      }
      List<String> acknowledged = new ArrayList<>();
      for (int r = 0; r < racers.size(); r++) {
        for (String line; (line = outs.get(r).readLine()) != null; ) {
          assertThat(line).startsWith("ACK ");
          acknowledged.add(line.substring(4));
        }
        assertThat(racers.get(r).waitFor(120, TimeUnit.SECONDS)).isTrue();
        Path err = dir.resolve((r == 0 ? "one-" : "two-") + "err");
        assertThat(racers.get(r).exitValue()).as("racer %s; its errors: %s", r, Files.readString(err)).isZero();
      }
      assertThat(acknowledged).hasSize(2 * CREATES_EACH);

      try (PostgresSnapshotStore store = pg.builder(db).dataRoot(dir.resolve("shared")).hostId("checker").open()) {
        DomainMetadata stored = store.load(VM_UUID);
        List<Snapshot> serial = new ArrayList<>(stored.snapshots());
        serial.sort(Comparator.comparing(Snapshot::createTime));
        assertThat(serial).extracting(Snapshot::name).containsExactlyInAnyOrderElementsOf(acknowledged);
        for (int i = 0; i < serial.size(); i++) {
          assertThat(serial.get(i).parent()).as("parent of %s", serial.get(i).name())
              .isEqualTo(i == 0 ? Optional.empty() : Optional.of(serial.get(i - 1).name()));
        }
        assertThat(stored.current()).contains(serial.get(serial.size() - 1).name());
        assertThat(store.loadIntent(VM_UUID)).isEmpty();
      }
    } finally {
      racers.forEach(Process::destroyForcibly);
    }
  }
}
