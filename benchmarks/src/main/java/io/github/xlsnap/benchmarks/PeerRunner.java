package io.github.xlsnap.benchmarks;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DeleteResult;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.sim.GuestWrite;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.JsonSnapshotStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The runner of {@code scripts/bench-peers.sh} for what changes files and so is timed one operation
 * at a time rather than with JMH: each command prints {@code SAMPLE <key> <value>} lines (times in
 * milliseconds, unless the key says otherwise) that the script collects into medians. Where a
 * command measures xlsnap and a bare bound in the same JVM, it alternates the two (A, B, A, B...).
 *
 * <ul>
 *   <li>{@code fill <host> <domain> <n>}: gives a domain of a simulated host a chain of n
 *       snapshots ({@link Chains}), written straight into the host's JSON store;</li>
 *   <li>{@code metadata <dir> <n> <reps>} (P2): the store's save of one more snapshot at n
 *       snapshots, beside the bare write, fsync, rename and directory fsync of one record;</li>
 *   <li>{@code memory <dir> <MiB> <reps>} (P3, P4): a stopped checkpoint of a simulated guest beside
 *       a sequential write and fsync of as many bytes, then a live checkpoint while a thread dirties
 *       about 1% of the guest's pages per copy round;</li>
 *   <li>{@code offline <dir> <template.qcow2> <internal|external> <snapshots> <MiB per overlay>}
 *       (P2b, P6): disk-only snapshots of a domain whose disk is a copy of the template image: creates,
 *       the delete of a middle snapshot, a revert.</li>
 * </ul>
 */
public final class PeerRunner {
  private static final PrintStream OUT = System.out;

  private PeerRunner() {}

  /**
   * Runs one command.
   *
   * @param args the command and its arguments, see the class description
   * @throws Exception if the command fails: the script then fails too
   */
  public static void main(String[] args) throws Exception {
    switch (args.length == 0 ? "" : args[0]) {
      case "fill" -> fill(Path.of(args[1]), args[2], Integer.parseInt(args[3]));
      case "metadata" -> metadata(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "memory" -> memory(Path.of(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]));
      case "offline" -> offline(Path.of(args[1]), Path.of(args[2]), args[3], Integer.parseInt(args[4]),
          Integer.parseInt(args[5]));
      default -> throw new IllegalArgumentException("usage: PeerRunner fill|metadata|memory|offline ...");
    }
  }

  private static void sample(String key, double value) {
    OUT.printf(Locale.ROOT, "SAMPLE %s %.4f%n", key, value);
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static void fill(Path hostDir, String domain, int n) {
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      DomainInfo info = host.find(DomainSelector.parse(domain)).orElseThrow();
      String disk = host.disks(info.ref()).get(0).target();
      long t0 = System.nanoTime();
      JsonSnapshotStore.open(hostDir.resolve("snapshots")).save(Chains.chain(info.ref().uuid(), n, disk));
      OUT.printf(Locale.ROOT, "filled %s with %d snapshots in %.0f ms%n", domain, n, ms(System.nanoTime() - t0));
    }
  }

  // P2 ---------------------------------------------------------------------------------------------

  private static void metadata(Path dir, int n, int reps) throws IOException {
    java.util.UUID domain = java.util.UUID.randomUUID();
    JsonSnapshotStore store = JsonSnapshotStore.open(dir.resolve("store"));
    DomainMetadata md = Chains.chain(domain, n, "xvda");
    store.save(md);
    store.load(domain);
    Path bare = Files.createDirectories(dir.resolve("bare"));
    byte[] record = Files.readAllBytes(largestRecord(dir.resolve("store")));
    int warmup = 30; // the JIT: the first saves of 10,000 records run interpreted, several times slower
    for (int i = 0; i < warmup + reps; i++) {
      long t0 = System.nanoTime();
      atomicWrite(bare, "s" + i + ".json", record);
      long t1 = System.nanoTime();
      DomainMetadata next = Chains.withChild(md, "bench-" + i, "xvda");
      long t2 = System.nanoTime();
      store.save(next);
      long t3 = System.nanoTime();
      md = next;
      if (i >= warmup) {
        sample("p2.bare", ms(t1 - t0));
        sample("p2.save", ms(t3 - t2));
      }
    }
    sample("p2.record_bytes", record.length);
  }

  /** The largest regular file under a directory: a snapshot's record, the unit the bare write copies. */
  private static Path largestRecord(Path root) throws IOException {
    try (var files = Files.walk(root)) {
      return files.filter(Files::isRegularFile).filter(p -> p.getFileName().toString().contains("s1"))
          .max((a, b) -> Long.compare(a.toFile().length(), b.toFile().length())).orElseThrow();
    }
  }

  /** The crash-safe write of one file: temporary file, write, fsync, rename, fsync of the directory. */
  static void atomicWrite(Path dir, String name, byte[] data) throws IOException {
    Path tmp = dir.resolve("." + name + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(data);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  // P3, P4 -----------------------------------------------------------------------------------------

  private static void memory(Path dir, int mib, int reps) throws Exception {
    long bytes = (long) mib << 20;
    byte[] chunk = new byte[8 << 20];
    new SplittableRandom(42).nextBytes(chunk);
    try (SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host"))) {
      DomainRef guest = host.createDomain(SimDomainSpec.of("guest", bytes));
      for (long off = 0; off < bytes; off += chunk.length) {
        chunk[0]++;
        host.writeMemory(guest, off, Arrays.copyOf(chunk, (int) Math.min(chunk.length, bytes - off)));
      }
      int pages = (int) (bytes / SimulatedHypervisor.PAGE_SIZE);
      Path image = dir.resolve("memory.img");
      Path plain = dir.resolve("seqwrite.bin");
      for (int r = 0; r < reps; r++) {
        // A: the bound, a sequential write of as many bytes and an fsync
        Files.deleteIfExists(plain);
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(plain, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          for (long off = 0; off < bytes; off += chunk.length) {
            ByteBuffer b = ByteBuffer.wrap(chunk, 0, (int) Math.min(chunk.length, bytes - off));
            while (b.hasRemaining()) {
              ch.write(b);
            }
          }
          ch.force(true);
        }
        long seq = System.nanoTime() - t0;
        Files.delete(plain);
        sample("p3.seq_mib_s", mib / (seq / 1e9));
        // B: the stopped checkpoint, the whole save with the guest stopped
        Files.deleteIfExists(image);
        Files.createFile(image);
        t0 = System.nanoTime();
        CheckpointResult stopped = host.checkpoint(guest, image, CheckpointMode.STOPPED);
        long cp = System.nanoTime() - t0;
        host.resume(guest);
        sample("p3.image_mib_s", mib / (cp / 1e9));
        sample("p3.image_wall", ms(cp));
        sample("p4.stopped_downtime", stopped.guestStopped().toNanos() / 1e6);
        Files.delete(image);
        // P4: live, a guest thread dirtying about 1% of the pages in the time a full copy takes
        double pagesPerSecond = 0.01 * pages / (cp / 1e9);
        Files.createFile(image);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong dirtied = new AtomicLong();
        Thread dirtier = new Thread(() -> dirty(host, guest, pages, pagesPerSecond, stop, dirtied), "guest");
        dirtier.start();
        TimeUnit.MILLISECONDS.sleep(50);
        t0 = System.nanoTime();
        CheckpointResult live = host.checkpoint(guest, image, CheckpointMode.LIVE);
        long liveWall = System.nanoTime() - t0;
        stop.set(true);
        dirtier.join();
        host.resume(guest);
        Files.delete(image);
        sample("p4.live_downtime", live.guestStopped().toNanos() / 1e6);
        sample("p4.live_wall", ms(liveWall));
        sample("p4.live_rounds", live.rounds());
        sample("p4.dirtied_pct_per_s", 100.0 * dirtied.get() / pages / (liveWall / 1e9));
        sample("p4.resent_pct", 100.0 * (live.bytesWritten() - stopped.bytesWritten())
            / (stopped.bytesWritten()));
      }
    }
  }

  /** The guest: writes random pages at a steady rate until stopped, or until it is suspended. */
  private static void dirty(SimulatedHypervisor host, DomainRef guest, int pages, double perSecond,
      AtomicBoolean stop, AtomicLong dirtied) {
    SplittableRandom random = new SplittableRandom(7);
    byte[] page = new byte[SimulatedHypervisor.PAGE_SIZE];
    long start = System.nanoTime();
    while (!stop.get()) {
      long due = start + (long) (dirtied.get() / perSecond * 1e9);
      long wait = due - System.nanoTime();
      if (wait > 0) {
        try {
          TimeUnit.NANOSECONDS.sleep(Math.min(wait, 5_000_000));
        } catch (InterruptedException e) {
          return;
        }
        continue;
      }
      random.nextBytes(page);
      try {
        host.write(guest, new GuestWrite.Memory((long) random.nextInt(pages) * page.length, page));
      } catch (RuntimeException e) { // suspended by the final round: the guest no longer runs
        return;
      }
      dirtied.incrementAndGet();
    }
  }

  // P2b, P6 ----------------------------------------------------------------------------------------

  private static void offline(Path dir, Path template, String kind, int count, int mibPerOverlay)
      throws IOException {
    // a first pass on a small blank disk, not timed: class loading and the JIT, which a virsh session
    // (C) does not pay
    offlinePass(dir.resolve("warm-up"), Optional.empty(), kind, count, 1, false);
    offlinePass(dir.resolve("timed"), Optional.of(template), kind, count, mibPerOverlay, true);
  }

  private static void offlinePass(Path dir, Optional<Path> template, String kind, int count, int mibPerOverlay,
      boolean timed) throws IOException {
    boolean external = kind.equals("external");
    Path hostDir = dir.resolve("host");
    DomainRef vm;
    Path image;
    long size = template.isPresent() ? Long.parseLong(qemuImgVirtualSize(template.get())) : 64L << 20;
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      vm = host.createDomain(SimDomainSpec.of("vm", 1 << 16, SimDiskSpec.qcow2("xvda", size)));
      image = host.disks(vm).get(0).image().orElseThrow();
    }
    if (template.isPresent()) { // the same real image as the peers', copied in while no device model holds it
      Files.copy(template.get(), image, StandardCopyOption.REPLACE_EXISTING);
    }
    DomainSelector selector = DomainSelector.parse("vm");
    byte[] data = new byte[1 << 20];
    new SplittableRandom(3).nextBytes(data);
    long mib = size >> 20;
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      SnapshotManager manager = SnapshotManager.builder(host, JsonSnapshotStore.open(hostDir.resolve("snapshots")))
          .build();
      DiskSpec disk = external ? DiskSpec.external("xvda") : DiskSpec.internal("xvda");
      for (int i = 1; i <= count; i++) {
        long t0 = System.nanoTime();
        manager.create(selector, CreateSpec.builder().name("s" + i).memory(false).disks(List.of(disk)).build());
        long t1 = System.nanoTime();
        if (timed) {
          sample("p2b." + kind + ".create", ms(t1 - t0));
        }
        // the guest writes between snapshots, so that each overlay holds data to merge
        for (int m = 0; m < mibPerOverlay; m++) {
          data[0]++;
          long at = ((long) i * mibPerOverlay + m) % mib;
          host.write(vm, new GuestWrite.Disk("xvda", at << 20, data.clone()));
        }
      }
      // revert first: the disk then runs on a new image and no device model holds the old chain, so
      // that the delete of a middle snapshot merges (rebases) as on a shut-off domain
      String revertTo = "s" + Math.max(1, count / 4);
      String middle = "s" + (count / 2 == 1 ? 2 : count / 2);
      long t0 = System.nanoTime();
      manager.revert(selector, revertTo, RevertOptions.DEFAULTS.forced());
      long t1 = System.nanoTime();
      DeleteResult deleted = manager.delete(selector, middle, DeleteMode.MERGE);
      long t2 = System.nanoTime();
      if (timed) {
        sample("p2b." + kind + ".revert", ms(t1 - t0));
        sample("p2b." + kind + ".delete", ms(t2 - t1));
        OUT.println("INFO " + kind + " delete of " + middle + ": " + deleted);
      }
    }
  }

  private static String qemuImgVirtualSize(Path image) throws IOException {
    Process p = new ProcessBuilder("qemu-img", "info", "--output=json", image.toString()).redirectErrorStream(true)
        .start();
    String json = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("qemu-img info " + image + ": " + json);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"virtual-size\":\\s*(\\d+)").matcher(json);
    if (!m.find()) {
      throw new IOException("no virtual-size in " + json);
    }
    return m.group(1);
  }
}
