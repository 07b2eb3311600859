package io.github.xlsnap.store;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.core.testing.ForwardingSnapshotStore;
import io.github.xlsnap.store.internal.Codec;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A second process on a store, started by {@link ProcessesTest}. Prints {@code READY} on stdout once
 * it has opened what it works on, then {@code ACK <op> <name>}, flushed, after each operation
 * returns: the acknowledged operations.
 *
 * <ul>
 *   <li>{@code store <root> <domain> <prefix> <count>}: saves through the store alone, creating a
 *       child of the current snapshot or deleting a leaf, holding the domain's lease for each
 *       load-modify-save;
 *   <li>{@code manager <store> <host> <domain-name> <prefix> <count> <threads>}: creates and deletes
 *       (merge) snapshots through a manager over the simulated host, from several threads, each
 *       acknowledgement with its order witness ({@link WitnessingStore});
 *   <li>{@code hold <root> <domain>}: takes the domain's lease, prints {@code HELD}, and holds it until
 *       its standard input ends;
 *   <li>{@code load <root> <domain>}: loads the domain and prints {@code LOADED <snapshot count>};
 *   <li>{@code lease <root> <domain> <timeout-ms>}: tries to take the lease, prints {@code LEASED} or
 *       {@code BUSY <message>}.
 * </ul>
 */
final class StoreChildProcess {
  private StoreChildProcess() {}

  /**
   * {@code lifecycle <store> <host> <domain-name> <prefix>}: creates, reverts to and deletes
   * snapshots through a manager until killed, as an operator's tool would.
   */
  static void lifecycle(Path storeDir, Path hostDir, String domainName, String prefix, PrintStream out) {
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      SnapshotManager manager = SnapshotManager.builder(host, JsonSnapshotStore.open(storeDir)).build();
      DomainSelector domain = DomainSelector.byName(domainName);
      java.util.Random random = new java.util.Random();
      out.println("READY");
      out.flush();
      for (int i = 0; ; i++) {
        out.println("ACK " + lifecycleStep(manager, domain, random, prefix + "-" + i));
        out.flush();
      }
    }
  }

  /**
   * One random step of a lifecycle: a create (one in six with the disk in an overlay), a revert to a
   * random snapshot, or a merge-delete of the oldest.
   *
   * @return what was done: {@code create <name>}, {@code revert <name>} or {@code delete <name>}
   */
  static String lifecycleStep(SnapshotManager manager, DomainSelector domain, java.util.Random random, String name) {
    List<Snapshot> existing = manager.list(domain, io.github.xlsnap.core.ListQuery.all());
    int dice = random.nextInt(6);
    if (dice == 0 && !existing.isEmpty()) {
      String target = existing.get(random.nextInt(existing.size())).name();
      manager.revert(domain, target, new io.github.xlsnap.core.RevertOptions(
          io.github.xlsnap.core.RevertTarget.RUNNING, false));
      return "revert " + target;
    }
    if (dice == 1 && existing.size() > 2) {
      String victim = existing.get(0).name();
      manager.delete(domain, victim, DeleteMode.MERGE);
      return "delete " + victim;
    }
    CreateSpec.Builder spec = CreateSpec.builder().name(name);
    if (dice == 2) {
      spec.disks(List.of(io.github.xlsnap.core.DiskSpec.external("xvda")));
    }
    manager.create(domain, spec.build());
    return "create " + name;
  }

  public static void main(String[] args) throws Exception {
    PrintStream out = System.out;
    if (args[0].equals("hold") || args[0].equals("load") || args[0].equals("lease")) {
      leases(args, out);
      return;
    }
    if (args[0].equals("lifecycle")) {
      lifecycle(Path.of(args[1]), Path.of(args[2]), args[3], args[4], out);
      return;
    }
    if (args[0].equals("store")) {
      JsonSnapshotStore store = JsonSnapshotStore.open(Path.of(args[1]));
      UUID domain = UUID.fromString(args[2]);
      int count = Integer.parseInt(args[4]);
      out.println("READY");
      out.flush();
      for (int i = 0; i < count; i++) {
        String line;
        try (SnapshotStore.Lease lease = store.lockDomain(domain, java.time.Duration.ofMinutes(10))) {
          DomainMetadata md = store.load(domain);
          List<String> leaves = md.tree().leaves();
          if (!leaves.isEmpty() && ThreadLocalRandom.current().nextInt(3) == 0) {
            String leaf = leaves.get(ThreadLocalRandom.current().nextInt(leaves.size()));
            store.save(deleteLeaf(md, leaf));
            line = "ACK delete " + leaf;
          } else {
            String name = args[3] + "-" + i;
            store.save(Fixtures.create(md, name, i));
            line = "ACK create " + name;
          }
        }
        out.println(line);
        out.flush();
      }
      return;
    }
    Path storeDir = Path.of(args[1]);
    try (SimulatedHypervisor host = SimulatedHypervisor.open(Path.of(args[2]), QemuImg.system())) {
      SnapshotManager manager = SnapshotManager.builder(host, new WitnessingStore(JsonSnapshotStore.open(storeDir))).build();
      runWorkers(manager, DomainSelector.parse(args[3]), args[4], Integer.parseInt(args[5]), Integer.parseInt(args[6]), out);
    }
  }

  /**
   * Each worker creates its snapshots and deletes every other one it made, printing what returned:
   * {@code ACK create <name> <generation> <parent or ->} and {@code ACK delete <name> <generation>},
   * the generation being the one the operation committed (see {@link WitnessingStore}). The manager
   * must be built over a {@link WitnessingStore}.
   */
  static void runWorkers(SnapshotManager manager, DomainSelector vm, String prefix, int count, int threads,
      PrintStream out) throws InterruptedException {
    List<Thread> all = new ArrayList<>();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < threads; t++) {
      String me = prefix + "t" + t;
      Thread th = new Thread(() -> {
        try {
          for (int i = 0; i < count; i++) {
            String name = me + "-" + i;
            WitnessingStore.LAST_GENERATION.remove();
            Snapshot made = manager.create(vm, CreateSpec.builder().name(name).memory(false).build());
            long g = WitnessingStore.LAST_GENERATION.get();
            synchronized (out) {
              out.println("ACK create " + name + " " + g + " " + made.parent().orElse("-"));
              out.flush();
            }
            if (i % 2 == 1) {
              String old = me + "-" + (i - 1);
              WitnessingStore.LAST_GENERATION.remove();
              manager.delete(vm, old, DeleteMode.MERGE);
              long d = WitnessingStore.LAST_GENERATION.get();
              synchronized (out) {
                out.println("ACK delete " + old + " " + d);
                out.flush();
              }
            }
          }
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      th.start();
      all.add(th);
    }
    for (Thread th : all) {
      th.join();
    }
    if (!failures.isEmpty()) {
      AssertionError e = new AssertionError("worker failed");
      failures.forEach(e::addSuppressed);
      throw e;
    }
  }

  /**
   * A store that, after each save, reads the generation the save committed from the domain record and
   * keeps it for the saving thread: the global order witness of the operation. The manager holds the
   * domain's lease from its load to the end of the operation, so no other process or thread can
   * commit between the save and this read.
   */
  static final class WitnessingStore extends ForwardingSnapshotStore {
    /** The generation of the calling thread's last save, -1 if none since it was cleared. */
    static final ThreadLocal<Long> LAST_GENERATION = ThreadLocal.withInitial(() -> -1L);
    private final JsonSnapshotStore store;

    WitnessingStore(JsonSnapshotStore store) {
      super(store);
      this.store = store;
    }

    @Override
    public void save(DomainMetadata metadata) {
      store.save(metadata);
      Path record = store.dataDirectory(metadata.domain()).resolve(JsonSnapshotStore.DOMAIN_FILE);
      try {
        LAST_GENERATION.set(Codec.readDomain(record, java.nio.file.Files.readAllBytes(record)).generation());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  /** The modes {@code hold}, {@code load} and {@code lease}. */
  private static void leases(String[] args, PrintStream out) throws java.io.IOException {
    JsonSnapshotStore store = JsonSnapshotStore.open(Path.of(args[1]));
    UUID domain = UUID.fromString(args[2]);
    switch (args[0]) {
      case "hold" -> {
        try (SnapshotStore.Lease lease = store.lockDomain(domain, java.time.Duration.ofMinutes(1))) {
          out.println("HELD");
          out.flush();
          while (System.in.read() >= 0) {
            // held until the parent closes our input
          }
        }
      }
      case "load" -> out.println("LOADED " + store.load(domain).snapshots().size());
      default -> {
        try (SnapshotStore.Lease lease = store.lockDomain(domain, java.time.Duration.ofMillis(Long.parseLong(args[3])))) {
          out.println("LEASED");
        } catch (io.github.xlsnap.core.DomainBusyException e) {
          out.println("BUSY " + e.getMessage());
        }
      }
    }
    out.flush();
  }

  static DomainMetadata deleteLeaf(DomainMetadata md, String leaf) {
    Snapshot gone = md.tree().get(leaf);
    List<Snapshot> kept = new ArrayList<>();
    for (Snapshot s : md.snapshots()) {
      if (s.name().equals(leaf)) {
        continue;
      }
      if (gone.parent().equals(Optional.of(s.name()))) {
        List<String> kids = new ArrayList<>(s.children());
        kids.remove(leaf);
        s = s.withRelations(s.parent(), kids);
      }
      kept.add(s);
    }
    Optional<String> current = md.current().equals(Optional.of(leaf)) ? gone.parent() : md.current();
    return new DomainMetadata(md.domain(), kept, current, md.ownedImages());
  }
}
