package io.github.xlsnap.store.postgres;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One of the processes {@link RacingJvmsTest} races: {@code <directory> <prefix> <count>}. Opens the
 * PostgreSQL store its directory's {@code store.properties} names and the simulated host in
 * {@code <directory>/host}, waits for a line on standard input (so that both start together), then
 * creates {@code count} snapshots of domain {@code vm1} named {@code <prefix><i>}, printing
 * {@code ACK <name>} after each.
 */
final class RacingJvm {
  private RacingJvm() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String prefix = args[1];
    int count = Integer.parseInt(args[2]);
    try (PostgresSnapshotStore store = PostgresSnapshotStoreContractTest.fromProperties(dir).open();
        SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host"), QemuImg.system())) {
      SnapshotManager manager = SnapshotManager.builder(host, store).lockTimeout(Duration.ofSeconds(120)).build();
      System.out.println("READY");
      System.out.flush();
      if (System.in.read() < 0) {
        return;
      }
      for (int i = 0; i < count; i++) {
        // metadata only (no memory, no disk captured): the race is the store's. Disk snapshots would also
        // meet the other process's simulated device-model locks (see the README's simulated host)
        Snapshot s = manager.create(DomainSelector.byName("vm1"), CreateSpec.builder().name(prefix + i).memory(false)
            .disks(List.of(DiskSpec.none("xvda"))).build());
        System.out.println("ACK " + s.name());
        System.out.flush();
      }
    }
  }
}
