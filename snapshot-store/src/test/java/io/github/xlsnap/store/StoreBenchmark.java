package io.github.xlsnap.store;

import io.github.xlsnap.core.SnapshotTree;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * The store's benchmark, a plain runner (not a test): 10,000 snapshots in one domain. Results are
 * recorded in {@code snapshot-store/BENCHMARKS.md}; see there how to run it.
 *
 * <p>{@code populate <dir>} builds the domain; {@code cold <dir>} measures open + load + tree in a
 * fresh JVM; {@code warm <dir>} measures warm load + tree, the median create, and the raw fsync cost.
 */
final class StoreBenchmark {
  private static final UUID DOMAIN = Fixtures.DOMAIN;
  private static final int SNAPSHOTS = 10_000;

  private StoreBenchmark() {}

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[1]);
    switch (args[0]) {
      case "populate" -> {
        long t0 = System.nanoTime();
        JsonSnapshotStore.open(dir).save(Fixtures.chain(DOMAIN, SNAPSHOTS));
        System.out.printf("populated %d snapshots in %.0f ms%n", SNAPSHOTS, ms(System.nanoTime() - t0));
      }
      case "cold" -> {
        long t0 = System.nanoTime();
        JsonSnapshotStore store = JsonSnapshotStore.open(dir);
        DomainMetadata md = store.load(DOMAIN);
        SnapshotTree tree = md.tree();
        List<String> order = tree.topologicalOrder();
        System.out.printf("cold open + load + tree + list of %d: %.0f ms%n", order.size(), ms(System.nanoTime() - t0));
      }
      case "warm" -> warm(dir);
      default -> throw new IllegalArgumentException(args[0]);
    }
  }

  private static void warm(Path dir) throws IOException {
    JsonSnapshotStore store = JsonSnapshotStore.open(dir);
    store.load(DOMAIN);
    List<Long> list = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      long t0 = System.nanoTime();
      DomainMetadata md = store.load(DOMAIN);
      md.tree().topologicalOrder();
      list.add(System.nanoTime() - t0);
    }
    System.out.printf("warm load + tree + list of %d: median %.2f ms, p90 %.2f ms%n", SNAPSHOTS, median(list),
        percentile(list, 90));
    List<Long> creates = new ArrayList<>();
    DomainMetadata md = store.load(DOMAIN);
    for (int i = 0; i < 100; i++) {
      DomainMetadata next = Fixtures.create(md, "bench-" + i, SNAPSHOTS + i);
      long t0 = System.nanoTime();
      store.save(next);
      creates.add(System.nanoTime() - t0);
      md = next;
    }
    System.out.printf("create (save of one more snapshot) at %d: median %.2f ms, p90 %.2f ms%n", SNAPSHOTS,
        median(creates), percentile(creates, 90));
    // put the domain back as it was, for the next run
    store.save(Fixtures.chain(DOMAIN, SNAPSHOTS));
    List<Long> fsyncs = new ArrayList<>();
    Path f = dir.resolve("fsync-probe");
    byte[] page = new byte[4096];
    for (int i = 0; i < 100; i++) {
      long t0 = System.nanoTime();
      try (FileChannel c = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        c.write(ByteBuffer.wrap(page));
        c.force(true);
      }
      fsyncs.add(System.nanoTime() - t0);
    }
    Files.delete(f);
    System.out.printf("raw write + fsync of 4 KiB: median %.2f ms, p90 %.2f ms%n", median(fsyncs), percentile(fsyncs, 90));
    System.out.printf("create / raw fsync: %.1f%n", median(creates) / median(fsyncs));
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static double median(List<Long> l) {
    return percentile(l, 50);
  }

  private static double percentile(List<Long> l, int p) {
    List<Long> s = new ArrayList<>(l);
    Collections.sort(s);
    return ms(s.get(Math.min(s.size() - 1, s.size() * p / 100)));
  }
}
