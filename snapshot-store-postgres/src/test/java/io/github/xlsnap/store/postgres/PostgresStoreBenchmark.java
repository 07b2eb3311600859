package io.github.xlsnap.store.postgres;

import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotTree;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * The figures of {@code snapshot-store-postgres/BENCHMARKS.md}, beside the JSON store's: create at
 * 10,000 snapshots, list and tree of 10,000 from a new store instance and from a warm one, and two
 * hosts creating concurrently on different domains. Not a test: it runs only with
 * {@code -Dxlsnap.bench=true} and prints its figures.
 */
@EnabledIfSystemProperty(named = "xlsnap.bench", matches = "true")
@SuppressWarnings("try") // leases held by try-with-resources for their scope
class PostgresStoreBenchmark {
  private static final int SNAPSHOTS = 10_000;
  private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");

  @TempDir
  Path data;

  @Test
  void run() throws Exception {
    PrivatePostgres pg = PrivatePostgres.get();
    String db = pg.createDatabase("bench");
    UUID domain = UUID.randomUUID();
    DomainMetadata big = chain(domain, SNAPSHOTS);
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      long t = System.nanoTime();
      store.save(big);
      report("populate: one save of " + SNAPSHOTS + " snapshots", List.of(System.nanoTime() - t));
    }
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      long t = System.nanoTime();
      listAndTree(store, domain);
      report("cold list + tree of " + SNAPSHOTS + " (a new store instance: new pool, first load)",
          List.of(System.nanoTime() - t));
      List<Long> warm = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        long s = System.nanoTime();
        listAndTree(store, domain);
        warm.add(System.nanoTime() - s);
      }
      report("warm list + tree of " + SNAPSHOTS + ", 30 times", warm);
      List<Long> creates = new ArrayList<>();
      DomainMetadata md = big;
      for (int i = 0; i < 50; i++) {
        long s = System.nanoTime();
        try (SnapshotStore.Lease lease = store.lockDomain(domain, Duration.ofSeconds(10))) {
          DomainMetadata loaded = store.load(domain);
          md = withOneMore(loaded, "extra" + i);
          store.save(md);
        }
        creates.add(System.nanoTime() - s);
      }
      report("create at " + SNAPSHOTS + " (lease + load + save of one more), 50 times", creates);
    }
    try (PostgresSnapshotStore one = pg.builder(db).dataRoot(data).hostId("one").open();
        PostgresSnapshotStore two = pg.builder(db).dataRoot(data).hostId("two").open()) {
      ExecutorService threads = Executors.newFixedThreadPool(2);
      int each = 100;
      long t = System.nanoTime();
      List<Future<List<Long>>> runs = new ArrayList<>();
      for (PostgresSnapshotStore store : List.of(one, two)) {
        UUID d = UUID.randomUUID();
        runs.add(threads.submit(() -> {
          List<Long> times = new ArrayList<>();
          DomainMetadata md = DomainMetadata.empty(d);
          for (int i = 0; i < each; i++) {
            long s = System.nanoTime();
            try (SnapshotStore.Lease lease = store.lockDomain(d, Duration.ofSeconds(10))) {
              md = withOneMore(store.load(d), "s" + i);
              store.saveIntent(d, Optional.of("create s" + i));
              store.save(md);
              store.saveIntent(d, Optional.empty());
            }
            times.add(System.nanoTime() - s);
          }
          return times;
        }));
      }
      List<Long> all = new ArrayList<>();
      for (Future<List<Long>> run : runs) {
        all.addAll(run.get());
      }
      long wall = System.nanoTime() - t;
      threads.shutdown();
      report("two hosts creating concurrently on different domains, " + each + " creates each (lease, load, "
          + "intent, save, clear intent); wall " + wall / 1_000_000 + " ms, " + (2L * each * 1_000_000_000L / wall)
          + " creates/s", all);
    }
  }

  private static void listAndTree(SnapshotStore store, UUID domain) {
    DomainMetadata md = store.load(domain);
    SnapshotTree tree = md.tree();
    if (tree.topologicalOrder().size() != md.snapshots().size()) {
      throw new AssertionError("lost snapshots");
    }
  }

  private static DomainMetadata withOneMore(DomainMetadata md, String name) {
    List<Snapshot> all = new ArrayList<>(md.snapshots());
    Optional<String> parent = md.current();
    Instant at = T0.plusSeconds(all.size());
    all.add(snapshot(name, parent, List.of(), at));
    if (parent.isPresent()) {
      for (int i = 0; i < all.size(); i++) {
        Snapshot p = all.get(i);
        if (p.name().equals(parent.get())) {
          List<String> kids = new ArrayList<>(p.children());
          kids.add(name);
          all.set(i, new Snapshot(p.name(), p.createTime(), p.description(), p.parent(), kids, p.domainState(),
              p.live(), p.memoryImage(), p.memoryStamp(), p.disks(), p.configuration()));
        }
      }
    }
    return new DomainMetadata(md.domain(), all, Optional.of(name), md.ownedImages());
  }

  private static Snapshot snapshot(String name, Optional<String> parent, List<String> children, Instant at) {
    return new Snapshot(name, at, "", parent, children, DomainState.RUNNING, false, Optional.empty(), Optional.empty(),
        List.of(DiskSnapshot.none("xvda")), Optional.empty());
  }

  private static DomainMetadata chain(UUID domain, int n) {
    List<Snapshot> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(snapshot("s" + i, i == 0 ? Optional.empty() : Optional.of("s" + (i - 1)),
          i == n - 1 ? List.of() : List.of("s" + (i + 1)), T0.plusSeconds(i)));
    }
    return new DomainMetadata(domain, all, Optional.of("s" + (n - 1)), Set.of());
  }

  private static void report(String what, List<Long> nanos) {
    List<Long> sorted = new ArrayList<>(nanos);
    Collections.sort(sorted);
    double median = sorted.get(sorted.size() / 2) / 1e6;
    double p90 = sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * 0.9) - 1)) / 1e6;
    System.out.printf("BENCH %s: median %.1f ms, p90 %.1f ms (n=%d)%n", what, median, p90, nanos.size());
  }
}
