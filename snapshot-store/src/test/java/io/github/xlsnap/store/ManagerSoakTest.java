package io.github.xlsnap.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.DiskImageException;
import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.FileStamp;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.Recovery;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.RevertTarget;
import io.github.xlsnap.core.RiskyRevertException;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * R1 soak: manager processes killed with SIGKILL at random points of create, delete and revert on a
 * simulated host with the JSON store, each followed by a recovery and four checks, the figures the
 * project's data-safety promise is measured by:
 *
 * <ol>
 *   <li><b>no acknowledged snapshot lost</b>: every acknowledged create exists after recovery unless an
 *       acknowledged delete removed it, every acknowledged delete is gone; the operation the kill cut
 *       short may have completed or not, nothing else;
 *   <li><b>no {@code check} finding</b> after the next manager's {@link SnapshotManager#recoverAll()}
 *       over a freshly opened store (whose opening is the store's own recovery);
 *   <li><b>no domain left paused</b> (or suspended) unless the soak paused it on purpose;
 *   <li><b>no image deleted that is still needed</b>: every image and memory image a snapshot names,
 *       and the domain's disk images with their backing chains, exist. Then the content: the test
 *       reverts to a random surviving snapshot and reads back, through the simulated guest, the
 *       patterns the manager process wrote to memory and disks just before creating it.
 * </ol>
 *
 * <p><b>Design.</b> Each kill is one long-lived {@link SoakManagerProcess} on the same two
 * directories, so state accumulates from kill to kill. The kill point comes after the child printed
 * {@code READY} and a random number (1 or 2) of acknowledgements, then either at a random step of
 * its next operations (it halts before or after a changing call of the manager, and says so:
 * deterministic for a seed) or, for a share of the kills, after a random delay (which can land in
 * the middle of a {@code qemu-img} run). The kill is SIGKILL; {@link KillableChild} checks it.
 *
 * <p><b>Running it.</b> Every build runs {@value #DEFAULT_KILLS} kills. The {@code soak} profile of
 * this module runs 1,000:
 *
 * <pre>
 * mvn -o -pl snapshot-store -am verify -Psoak -Dtest=ManagerSoakTest -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * <p>System properties: {@code xlsnap.soak.kills} (the count), {@code xlsnap.soak.seed} (default
 * fixed, so that a build is repeatable), {@code xlsnap.soak.timedKills} (the share of kills after a
 * random delay, default 0.25; 0 makes a run fully deterministic for its seed, to reproduce a
 * violation), {@code xlsnap.soak.contentShare} (the share of kills followed by the content check, a
 * revert, default 0.25: it costs as much as the rest of a kill), {@code xlsnap.soak.tolerateStaleImageStamps}
 * (known bug B1, below). A violation fails the test naming the seed and iteration, with the directories copied to
 * {@code target/soak-failures/<seed>-<iteration>}. The summary line (also in
 * {@code target/soak-summary.txt}) gives the figures; {@code SOAK.md} records a 1,000-kill run.
 */
class ManagerSoakTest {
  static final int DEFAULT_KILLS = 100;
  private static final long DEFAULT_SEED = 20260518L;
  private static final String DOMAIN = "soak";
  private static final Duration CHILD_BOUND = Duration.ofMinutes(3);

  /**
   * Known bug B1 (SOAK.md): a delete interrupted after its commit is completed by recovery, which
   * removes the deleted snapshots' internal disk snapshots but does not record the new stamps of the
   * images it rewrote, as the uninterrupted delete does; a snapshot whose frozen image is one of them
   * then looks changed, and reverting to it needs force. While true, the content check and the
   * manager processes revert with force after a refusal whose every reason is such a stale stamp
   * (counted; the content is still checked); while false such a refusal fails the soak. Recovery
   * restamps since B1 was fixed, so it is false by default: set it only to study an older version.
   */
  private static final boolean TOLERATE_STALE_IMAGE_STAMPS =
      Boolean.parseBoolean(System.getProperty("xlsnap.soak.tolerateStaleImageStamps", "false"));

  /** The share of kills after which the content of a random surviving snapshot is read back (a revert). */
  private static final double CONTENT_SHARE =
      Double.parseDouble(System.getProperty("xlsnap.soak.contentShare", "0.25"));

  @TempDir Path tmp;

  /** How an acknowledged snapshot was taken, from its {@code BEGIN create} line. */
  private record Taken(boolean memory, Map<String, DiskSnapshotMode> disks) {
    static Taken parse(Map<String, String> kv) {
      Map<String, DiskSnapshotMode> disks = new LinkedHashMap<>();
      for (String d : kv.get("disks").split(",")) {
        String[] td = d.split(":");
        disks.put(td[0], DiskSnapshotMode.valueOf(td[1]));
      }
      return new Taken(Boolean.parseBoolean(kv.get("memory")), disks);
    }

    boolean risky() {
      return !memory || disks.containsValue(DiskSnapshotMode.NONE);
    }
  }

  /** One {@code BEGIN} or {@code ACK} line: the operation, its snapshot (or {@code -}) and its values. */
  private record Op(String op, String name, Map<String, String> kv) {
    static Op parse(String line) {
      String[] w = line.split(" ");
      Map<String, String> kv = new HashMap<>();
      for (int i = 3; i < w.length; i++) {
        int eq = w[i].indexOf('=');
        kv.put(w[i].substring(0, eq), w[i].substring(eq + 1));
      }
      return new Op(w[1], w[2], kv);
    }

    Set<String> doomed() {
      String d = kv.getOrDefault("doomed", "");
      return d.isEmpty() ? Set.of() : Set.of(d.split(","));
    }
  }

  /** The figures of a run. */
  private static final class Figures {
    int kills;
    int stepKills;
    int acknowledged;
    int verifiedReverts;
    final Map<String, Integer> cutShort = new TreeMap<>();
    final Map<String, Integer> completed = new TreeMap<>();
    final Map<String, Integer> undone = new TreeMap<>();
    int lost;
    int findings;
    int leftPaused;
    int missingImages;
    int contentMismatches;
    long childNanos;
    long readyNanos;
    long checkNanos;
    int staleStamps;
    long verifyNanos;

    String line(long seed, long millis) {
      return "SOAK seed=" + seed + " kills=" + kills + " (at a step " + stepKills + ", after a delay "
          + (kills - stepKills) + ") acknowledged=" + acknowledged + " cutShort=" + cutShort
          + " recoveriesCompleted=" + completed + " recoveriesUndone=" + undone
          + " lostAcknowledged=" + lost + " checkFindings=" + findings + " leftPaused=" + leftPaused
          + " missingImages=" + missingImages + " contentMismatches=" + contentMismatches
          + " staleImageStamps=" + staleStamps + " (content verified by " + verifiedReverts + " reverts) wall=" + millis / 1000 + "s (children "
          + childNanos / 1_000_000_000 + "s of which to READY " + readyNanos / 1_000_000_000 + "s, checks "
          + checkNanos / 1_000_000_000 + "s of which content " + verifyNanos / 1_000_000_000 + "s)";
    }
  }

  @Test
  void managersKilledWithSigkillAtRandomPointsLoseNothingAndLeaveNoDomainPausedNorImageMissing() throws Exception {
    int kills = Integer.getInteger("xlsnap.soak.kills", DEFAULT_KILLS);
    long seed = Long.getLong("xlsnap.soak.seed", DEFAULT_SEED);
    double timedShare = Double.parseDouble(System.getProperty("xlsnap.soak.timedKills", "0.25"));
    Path hostDir = tmp.resolve("host");
    Path storeDir = tmp.resolve("store");
    UUID uuid = createDomain(hostDir);
    Random random = new Random(seed);
    Map<String, Taken> expected = new TreeMap<>();
    boolean[] paused = {false};
    Figures figures = new Figures();
    long t0 = System.nanoTime();
    Random verify = new Random(~seed);
    Kill next = Kill.draw(random, timedShare, 0);
    KillableChild nextChild = start(hostDir, storeDir, next);
    for (int iteration = 0; iteration < kills; iteration++) {
      Kill kill = next;
      List<String> lines = List.of();
      List<Recovery> recoveries = new ArrayList<>();
      try (KillableChild child = nextChild) {
        long t1 = System.nanoTime();
        lines = killOne(child, kill, figures);
        long t2 = System.nanoTime();
        if (iteration + 1 < kills) {
          next = Kill.draw(random, timedShare, iteration + 1);
          nextChild = start(hostDir, storeDir, next); // its JVM starts while this one's aftermath is checked
        }
        check(hostDir, storeDir, uuid, lines, expected, paused, verify, figures, recoveries);
        figures.childNanos += t2 - t1;
        figures.checkNanos += System.nanoTime() - t2;
        figures.kills++;
        figures.stepKills += kill.timed() ? 0 : 1;
        if (figures.kills % 100 == 0) {
          System.out.println("SOAK progress " + figures.line(seed, (System.nanoTime() - t0) / 1_000_000));
        }
      } catch (AssertionError | RuntimeException e) {
        Path kept = keep(seed, iteration, hostDir, storeDir, lines);
        throw new AssertionError("soak seed " + seed + " iteration " + iteration + " (" + kill + "): "
            + e.getMessage() + "; recoveries " + recoveries + "; directories kept in " + kept
            + "; reproduce with -Dxlsnap.soak.seed=" + seed + " -Dxlsnap.soak.kills=" + (iteration + 1)
            + (timedShare > 0 ? " (timed kills make a run non-deterministic: -Dxlsnap.soak.timedKills=0 for "
            + "step kills only)" : ""), e);
      }
    }
    String summary = figures.line(seed, (System.nanoTime() - t0) / 1_000_000);
    System.out.println(summary);
    Files.writeString(Path.of("target", "soak-summary.txt"), summary + "\n");
    assertThat(figures.kills).isEqualTo(kills);
    assertThat(figures.acknowledged).as("acknowledged operations").isGreaterThanOrEqualTo(kills);
  }

  private static UUID createDomain(Path hostDir) {
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      return host.createDomain(SimDomainSpec.of(DOMAIN, SoakManagerProcess.MEMORY_BYTES,
          SoakManagerProcess.DISKS.stream().map(d -> SimDiskSpec.qcow2(d, SoakManagerProcess.DISK_BYTES))
              .toArray(SimDiskSpec[]::new))).uuid();
    }
  }

  /**
   * Known bug B1's scenario, deterministically: a manager process creates {@code a} (both disks
   * internal) and {@code b} (both disks external, freezing the images that hold {@code a}'s internal
   * snapshots), then merge-deletes {@code a}. B1 was a recovery that removed {@code a}'s internal
   * snapshots without recording the new stamps of the frozen images, so that a revert to {@code b} was
   * refused as risky. Since the simulated host holds a running domain's backing files as QEMU does,
   * their internal snapshots cannot be removed while it runs: the delete defers them (recorded with its
   * commit), and {@code b} must still revert without force and read as taken. (Recovery's restamping
   * is proven by core's tests and the soak's kills.)
   */
  @Test
  void aDeleteOfInternalSnapshotsInHeldBackingFilesLeavesTheSurvivorsRevertibleWithoutForce() throws Exception {
    Path hostDir = tmp.resolve("host");
    Path storeDir = tmp.resolve("store");
    UUID uuid = createDomain(hostDir);
    try (KillableChild child = KillableChild.start(SoakManagerProcess.class, tmp.resolve("b1.err"),
        hostDir.toString(), storeDir.toString(), DOMAIN, "1", "b1", "4", "before:deleteInternalSnapshot",
        "create a true INTERNAL,INTERNAL;create b true EXTERNAL,EXTERNAL;delete a MERGE")) {
      child.tell("GO");
      assertThat(child.await(l -> failed(l) || l.startsWith("HALT ") || l.startsWith("DONE"), CHILD_BOUND))
          .as("the backing files are held: the delete defers, the disk tool is not called").startsWith("DONE");
    }
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      JsonSnapshotStore store = JsonSnapshotStore.open(storeDir);
      SnapshotManager manager = SnapshotManager.builder(host, store).build();
      assertThat(manager.recoverAll()).isEmpty();
      assertThat(manager.tree(DomainSelector.byUuid(uuid)).topologicalOrder()).containsExactly("b");
      assertThat(store.load(uuid).deferredCleanups()).hasSize(2);
      Taken b = new Taken(true, Map.of("xvda", DiskSnapshotMode.EXTERNAL, "xvdb", DiskSnapshotMode.EXTERNAL));
      assertThat(revertAndRead(manager, host, uuid, "b", b, false)).isEmpty();
    }
  }

  /** Reverts to a snapshot, running, and reads back its patterns; returns what reads wrong. */
  private static List<String> revertAndRead(SnapshotManager manager, SimulatedHypervisor host, UUID uuid,
      String name, Taken taken, boolean force) {
    DomainRef now = manager.revert(DomainSelector.byUuid(uuid), name, new RevertOptions(RevertTarget.RUNNING,
        force || taken.risky()));
    List<String> wrong = new ArrayList<>();
    if (taken.memory()) {
      expectPattern(host.readMemory(now, 0, SoakManagerProcess.PATTERN_BYTES), "memory", name, wrong);
    }
    taken.disks().forEach((target, mode) -> {
      if (mode != DiskSnapshotMode.NONE) {
        expectPattern(host.readDisk(now, target, 0, SoakManagerProcess.PATTERN_BYTES), target, name, wrong);
      }
    });
    return wrong;
  }

  /**
   * Where one manager process is killed: after {@code acks} acknowledgements, then at step
   * {@code haltAt} ({@link SoakManagerProcess}) or, for a timed kill ({@code haltAt} 0), after a delay.
   */
  private record Kill(int iteration, long childSeed, int acks, int haltAt, long delayNanos) {
    static Kill draw(Random random, double timedShare, int iteration) {
      int acks = 1 + random.nextInt(2);
      boolean timed = random.nextDouble() < timedShare;
      return new Kill(iteration, random.nextLong(), acks, timed ? 0 : 1 + random.nextInt(16),
          timed ? random.nextInt(400_000) * 1000L : 0);
    }

    boolean timed() {
      return haltAt == 0;
    }

    @Override
    public String toString() {
      return "kill after ack " + acks + (timed() ? " + " + delayNanos / 1000 + " us" : " at step " + haltAt)
          + ", child seed " + childSeed;
    }
  }

  private KillableChild start(Path hostDir, Path storeDir, Kill kill) throws IOException {
    return KillableChild.start(SoakManagerProcess.class, tmp.resolve("child-" + kill.iteration() + ".err"),
        hostDir.toString(), storeDir.toString(), DOMAIN, Long.toString(kill.childSeed()), "i" + kill.iteration(),
        Integer.toString(kill.acks()), Integer.toString(kill.haltAt()));
  }

  /** Lets a started manager process go and kills it; returns its lines. */
  private static List<String> killOne(KillableChild child, Kill kill, Figures figures) throws Exception {
    long t0 = System.nanoTime();
    child.tell("GO");
    child.await(l -> failed(l) || l.equals("READY"), CHILD_BOUND);
    figures.readyNanos += System.nanoTime() - t0;
    for (int i = 0; i < kill.acks(); i++) {
      child.await(l -> failed(l) || l.startsWith("ACK "), CHILD_BOUND);
    }
    if (!kill.timed()) {
      child.await(l -> failed(l) || l.startsWith("HALT "), CHILD_BOUND);
    } else {
      LockSupport.parkNanos(kill.delayNanos()); // a random point in the next operations, not a wait
    }
    List<String> lines = child.sigkill();
    assertThat(lines).as("acknowledged before the kill").filteredOn(l -> l.startsWith("ACK "))
        .hasSizeGreaterThanOrEqualTo(kill.acks());
    return lines;
  }

  private static boolean failed(String line) {
    if (line.startsWith("FAIL")) {
      throw new AssertionError("the manager process failed: " + line);
    }
    return false;
  }

  /**
   * Applies the acknowledged operations to the expectation, recovers with a new manager over a freshly
   * opened store, and checks.
   *
   * @param recoveries receives what the recovery did, for the report
   */
  private static void check(Path hostDir, Path storeDir, UUID uuid, List<String> lines,
      Map<String, Taken> expected, boolean[] paused, Random random, Figures figures, List<Recovery> recoveries) {
    Optional<Op> inFlight = Optional.empty();
    Map<String, Taken> begun = new HashMap<>();
    for (String l : lines) {
      if (l.startsWith("KNOWNBUG B1 ")) {
        figures.staleStamps++;
        if (!TOLERATE_STALE_IMAGE_STAMPS) {
          throw new AssertionError("known bug B1 in the manager process: " + l);
        }
      }
      if (l.startsWith("BEGIN ")) {
        Op op = Op.parse(l);
        inFlight = Optional.of(op);
        if (op.op().equals("create")) {
          begun.put(op.name(), Taken.parse(op.kv()));
        }
      } else if (l.startsWith("ACK ")) {
        Op op = Op.parse(l);
        inFlight = Optional.empty();
        figures.acknowledged++;
        switch (op.op()) {
          case "create" -> expected.put(op.name(), begun.get(op.name()));
          case "delete" -> expected.keySet().removeAll(op.doomed());
          case "revert" -> paused[0] = Boolean.parseBoolean(op.kv().get("paused"));
          case "pause" -> paused[0] = true;
          case "unpause" -> paused[0] = false;
          default -> { }
        }
      }
    }
    figures.cutShort.merge(inFlight.map(Op::op).orElse("(between operations)"), 1, Integer::sum);

    DiskImages images = QemuImg.system();
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      JsonSnapshotStore store = JsonSnapshotStore.open(storeDir);
      SnapshotManager manager = SnapshotManager.builder(host, store).build();
      recoveries.addAll(manager.recoverAll());
      for (Recovery r : recoveries) {
        (r.completed() ? figures.completed : figures.undone).merge(r.operation(), 1, Integer::sum);
      }
      List<String> violations = new ArrayList<>();
      if (store.loadIntent(uuid).isPresent()) {
        violations.add("the intent of the interrupted operation is still recorded");
      }

      // 3. the domain runs, or is paused on purpose
      Optional<DomainInfo> domain = host.find(DomainSelector.byUuid(uuid));
      if (domain.isEmpty()) {
        throw new AssertionError("the domain is gone");
      }
      DomainState state = domain.get().state();
      Set<Boolean> allowedPaused = new HashSet<>(Set.of(paused[0]));
      inFlight.ifPresent(op -> {
        switch (op.op()) {
          case "revert" -> allowedPaused.add(Boolean.parseBoolean(op.kv().get("paused")));
          case "pause", "unpause" -> allowedPaused.add(op.op().equals("pause"));
          default -> { }
        }
      });
      if (state.isSuspended() || state.shutdown().isPresent() || !allowedPaused.contains(state.paused())) {
        figures.leftPaused++;
        violations.add("the domain is " + state + ", expected " + (allowedPaused.size() > 1 ? "running or paused"
            : paused[0] ? "paused" : "running"));
      }
      paused[0] = state.paused();

      // 2. check
      List<StoreFinding> findings = store.check(uuid);
      figures.findings += findings.size();
      if (!findings.isEmpty()) {
        violations.add("check finds " + findings);
      }

      // 1. acknowledged snapshots
      DomainMetadata md = store.load(uuid);
      Set<String> actual = new TreeSet<>(md.tree().topologicalOrder());
      Set<String> after = new TreeSet<>(expected.keySet());
      if (inFlight.isPresent() && inFlight.get().op().equals("create")) {
        after.add(inFlight.get().name());
      } else if (inFlight.isPresent() && inFlight.get().op().equals("delete")) {
        after.removeAll(inFlight.get().doomed());
      }
      if (!actual.equals(expected.keySet()) && !actual.equals(after)) {
        figures.lost += Math.min(difference(actual, expected.keySet()), difference(actual, after));
        violations.add("snapshots " + actual + ", expected " + expected.keySet()
            + (after.equals(expected.keySet()) ? "" : " or " + after) + " (in flight: " + inFlight.orElse(null) + ")");
      }
      if (actual.equals(after) && inFlight.isPresent() && inFlight.get().op().equals("create")) {
        expected.put(inFlight.get().name(), begun.get(inFlight.get().name()));
      }
      expected.keySet().retainAll(actual);

      // 4. images
      List<String> missingImages = new ArrayList<>();
      Set<Path> seen = new HashSet<>();
      for (Snapshot s : md.snapshots()) {
        s.memoryImage().filter(m -> !Files.exists(m))
            .ifPresent(m -> missingImages.add("memory image " + m + " of snapshot " + s.name()));
        for (DiskSnapshot d : s.disks()) {
          d.image().ifPresent(i -> needChain(images, i, "disk " + d.target() + " of snapshot " + s.name(), seen,
              missingImages));
        }
      }
      DomainRef ref = domain.get().ref();
      host.disks(ref).forEach(d -> d.image().ifPresent(i -> needChain(images, i, "disk " + d.target()
          + " of the domain", seen, missingImages)));
      figures.missingImages += missingImages.size();
      if (!missingImages.isEmpty()) {
        violations.add("missing images: " + missingImages);
      }

      // 5. every frozen image's recorded stamp is its stamp: else a revert to that snapshot is refused as
      // risky although only xlsnap rewrote the file (B1, B5)
      List<String> stale = new ArrayList<>();
      for (Snapshot s : md.snapshots()) {
        for (DiskSnapshot d : s.disks()) {
          if (d.mode() == DiskSnapshotMode.EXTERNAL && d.imageStamp().isPresent()
              && Files.exists(d.image().orElseThrow())
              && !d.imageStamp().equals(FileStamp.of(d.image().orElseThrow()))) {
            stale.add(d.image().orElseThrow().getFileName() + " of disk " + d.target() + " of snapshot " + s.name());
          }
        }
      }
      figures.staleStamps += stale.size();
      if (!stale.isEmpty() && !TOLERATE_STALE_IMAGE_STAMPS) {
        violations.add("frozen images with stale stamps: " + stale);
      }
      if (!violations.isEmpty()) {
        throw new AssertionError(String.join("; ", violations));
      }

      // 4, better: the content of a random surviving snapshot
      if (!expected.isEmpty() && random.nextDouble() < CONTENT_SHARE) {
        long t0 = System.nanoTime();
        List<String> names = new ArrayList<>(expected.keySet());
        String name = names.get(random.nextInt(names.size()));
        Taken taken = expected.get(name);
        List<String> wrong;
        try {
          wrong = revertAndRead(manager, host, uuid, name, taken, false);
        } catch (RiskyRevertException e) {
          if (!TOLERATE_STALE_IMAGE_STAMPS || !SoakManagerProcess.isKnownBugB1(e)) {
            throw e;
          }
          figures.staleStamps++;
          System.out.println("SOAK tolerated (known bug B1, see SOAK.md): " + e.getMessage());
          wrong = revertAndRead(manager, host, uuid, name, taken, true);
        }
        paused[0] = false;
        figures.verifiedReverts++;
        figures.contentMismatches += wrong.size();
        figures.verifyNanos += System.nanoTime() - t0;
        if (!wrong.isEmpty()) {
          throw new AssertionError("after a revert to '" + name + "' (" + taken + "): " + wrong);
        }
      }
    }
  }

  /** The size of the symmetric difference. */
  private static int difference(Set<String> a, Set<String> b) {
    Set<String> only = new HashSet<>(a);
    only.addAll(b);
    Set<String> both = new HashSet<>(a);
    both.retainAll(b);
    only.removeAll(both);
    return only.size();
  }

  private static void expectPattern(byte[] read, String target, String snapshot, List<String> wrong) {
    byte[] want = SoakManagerProcess.pattern(target, snapshot);
    if (!Arrays.equals(read, want)) {
      wrong.add(target + " reads '" + new String(read, StandardCharsets.ISO_8859_1).replace("\0", "\\0")
          + "', not '" + new String(want, StandardCharsets.ISO_8859_1) + "'");
    }
  }

  /** Checks that an image and every image below it in its backing chain exist. */
  private static void needChain(DiskImages images, Path image, String who, Set<Path> seen, List<String> missing) {
    if (!seen.add(image)) {
      return;
    }
    if (!Files.exists(image)) {
      missing.add("image " + image + " of " + who);
      return;
    }
    try {
      images.backingChain(image).stream().filter(p -> !Files.exists(p))
          .forEach(p -> missing.add("backing file " + p + " of " + image + " (" + who + ")"));
    } catch (DiskImageException e) {
      missing.add("the backing chain of " + image + " (" + who + ") is broken: " + e.getMessage());
    }
  }

  /** Copies the directories and the child's lines for diagnosis. */
  private static Path keep(long seed, int iteration, Path hostDir, Path storeDir, List<String> lines) {
    Path target = Path.of("target", "soak-failures", seed + "-" + iteration).toAbsolutePath();
    try {
      for (Path dir : List.of(hostDir, storeDir)) {
        Path to = target.resolve(dir.getFileName().toString());
        if (!Files.exists(dir)) {
          continue;
        }
        try (Stream<Path> all = Files.walk(dir)) {
          for (Path p : (Iterable<Path>) all::iterator) {
            Path q = to.resolve(dir.relativize(p).toString());
            if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
              Files.createDirectories(q);
            } else {
              Files.copy(p, q, java.nio.file.LinkOption.NOFOLLOW_LINKS,
                  java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
            }
          }
        }
      }
      Files.createDirectories(target);
      Files.write(target.resolve("child.out"), lines);
      Path err = hostDir.resolveSibling("child-" + iteration + ".err");
      if (Files.exists(err)) {
        Files.copy(err, target.resolve("child.err"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      return Path.of("(copy failed: " + e + ")");
    }
    return target;
  }
}
