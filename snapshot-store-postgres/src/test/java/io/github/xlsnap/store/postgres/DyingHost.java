package io.github.xlsnap.store.postgres;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The host {@link PoolTakeOverTest} kills, as a host of a pool that dies mid-operation:
 * {@code <directory> <domain uuid>}. Opens the PostgreSQL store its directory's {@code store.properties}
 * names and a simulated host in {@code <directory>/host-a}, creates the domain and a snapshot
 * {@code s1}, then starts a create of {@code s2} (memory and an external disk snapshot) and stops for
 * good at its commit, printing {@code HALT}, to be killed with SIGKILL.
 */
final class DyingHost {
  private DyingHost() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    UUID uuid = UUID.fromString(args[1]);
    PostgresSnapshotStore store = PostgresSnapshotStoreContractTest.fromProperties(dir).open();
    SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host-a"), QemuImg.system());
    host.createDomain(new SimDomainSpec("vm", Optional.of(uuid), 16 * 1024, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20)), false));
    DomainSelector vm = DomainSelector.byName("vm");
    SnapshotManager.builder(host, store).build().create(vm, CreateSpec.builder().name("s1").build());
    // the same store, but its next save (the create's commit) never happens: the host dies there
    SnapshotStore halting = (SnapshotStore) Proxy.newProxyInstance(SnapshotStore.class.getClassLoader(),
        new Class<?>[] {SnapshotStore.class}, (proxy, method, margs) -> {
          if (method.getName().equals("save") && margs.length == 1 && margs[0] instanceof DomainMetadata) {
            System.out.println("HALT " + store.hostId());
            System.out.flush();
            Thread.sleep(Long.MAX_VALUE);
          }
          try {
            return method.invoke(store, margs);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
    SnapshotManager.builder(host, halting).build().create(vm, CreateSpec.builder().name("s2")
        .disks(List.of(DiskSpec.external("xvda"))).build());
    System.out.println("FAIL the create of s2 returned");
  }
}
