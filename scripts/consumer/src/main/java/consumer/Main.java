package consumer;

import io.github.xlsnap.cfg.SnapshotCfgFile;
import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.libxl.Libxl;
import io.github.xlsnap.store.JsonSnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** Uses every module once: a snapshot on a simulated host in the JSON store, a cfgfile, libxl. */
public final class Main {
  public static void main(String[] args) throws Exception {
    Path dir = Files.createTempDirectory("xlsnap-consumer");
    try (SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host"))) {
      host.createDomain(new SimDomainSpec("web", Optional.empty(), 64 * 1024, 1,
          List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20)), false));
      SnapshotManager manager = SnapshotManager.builder(host, JsonSnapshotStore.open(dir.resolve("store"))).build();
      Path cfg = dir.resolve("snap.cfg");
      Files.writeString(cfg, "name=\"from-cfgfile\"\ndescription=\"consumer\"\n");
      CreateSpec spec = SnapshotCfgFile.read(cfg);
      Snapshot s = manager.create(DomainSelector.byName("web"), spec);
      List<Snapshot> all = manager.list(DomainSelector.byName("web"), ListQuery.all());
      if (all.size() != 1 || !all.get(0).name().equals("from-cfgfile") || !s.description().equals("consumer")) {
        throw new AssertionError("unexpected snapshots: " + all);
      }
    }
    // answers on any host, never throws: on this one it explains why not
    boolean available = Libxl.isAvailable();
    String why = Libxl.unavailableReason().map(Throwable::getMessage).orElse("available");
    System.out.println("consumer OK (" + (Main.class.getModule().isNamed() ? "module path" : "class path")
        + "); libxl available: " + available + " (" + why + ")");
  }
}
