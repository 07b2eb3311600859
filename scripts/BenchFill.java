import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.store.JsonSnapshotStore;
import java.nio.file.Path;

/**
 * Gives a domain of a simulated host N snapshots in one process (a command per snapshot would take
 * minutes). Run with the distribution's class path:
 * java -cp 'lib/*' scripts/BenchFill.java <host dir> <domain> <count>
 */
public final class BenchFill {
  public static void main(String[] args) {
    Path host = Path.of(args[0]).toAbsolutePath();
    DomainSelector domain = DomainSelector.parse(args[1]);
    int count = Integer.parseInt(args[2]);
    try (SimulatedHypervisor sim = SimulatedHypervisor.open(host)) {
      SnapshotManager manager = SnapshotManager.builder(sim, JsonSnapshotStore.open(host.resolve("snapshots"))).build();
      for (int i = 1; i <= count; i++) {
        manager.create(domain, CreateSpec.builder().name(String.format("snap-%03d", i)).build());
      }
    }
  }
}
