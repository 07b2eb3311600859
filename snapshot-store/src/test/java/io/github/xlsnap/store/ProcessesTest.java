package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Other processes on the same store: killed with SIGKILL mid-write, and writing concurrently. A kill
 * lands after the child has said it works and has acknowledged at least one operation, never at a
 * fixed time after its start (a loaded machine may not even have started its JVM by then).
 */
class ProcessesTest {
  @TempDir Path tmp;
  /** What the children logged and the recoveries did: where an image kept on purpose must be reported. */
  private final StringBuilder reported = new StringBuilder();

  /**
   * Starts a {@link StoreChildProcess}, waits until it reports that it works ({@code READY}) and has
   * acknowledged a random number of operations (at least one, at most {@code maxAcks}), lets it run
   * on for a random fraction of {@code maxDelayMillis} (a random point in its next operation, not a
   * wait for anything), and kills it with SIGKILL.
   *
   * @return its complete lines, up to the kill
   */
  private List<String> killMidWork(Random random, String name, int maxAcks, int maxDelayMillis, String... args)
      throws Exception {
    try (KillableChild p = KillableChild.start(StoreChildProcess.class, tmp.resolve(name + ".err"), args)) {
      p.await("READY"::equals, Duration.ofMinutes(2));
      int acks = 1 + random.nextInt(maxAcks);
      for (int i = 0; i < acks; i++) {
        p.await(l -> l.startsWith("ACK "), Duration.ofMinutes(2));
      }
      java.util.concurrent.locks.LockSupport.parkNanos(random.nextInt(maxDelayMillis * 1000 + 1) * 1000L);
      List<String> lines = p.sigkill();
      assertThat(lines).as("acknowledged before the kill").filteredOn(l -> l.startsWith("ACK "))
          .hasSizeGreaterThanOrEqualTo(acks);
      String stderr = p.stderrText();
      assertThat(stderr).as("%s: stderr", name).doesNotContain("Exception");
      reported.append(stderr);
      return lines;
    }
  }

  /** Applies acknowledged lines to the set of names expected to exist. */
  private static void replay(List<String> lines, Set<String> expected) {
    for (String l : lines) {
      String[] w = l.split(" ");
      if (w.length >= 3 && w[0].equals("ACK")) {
        if (w[1].equals("create")) {
          expected.add(w[2]);
        } else {
          expected.remove(w[2]);
        }
      }
    }
  }

  @Test
  void aWriterKilledWithSigkillAtRandomPointsNeverLosesOrCorruptsMetadata() throws Exception {
    Path root = tmp.resolve("root");
    Random random = new Random(42);
    Set<String> acknowledged = new HashSet<>();
    int kills = 12;
    for (int round = 0; round < kills; round++) {
      List<String> lines = killMidWork(random, "child-" + round, 200, 20,
          "store", root.toString(), DOMAIN.toString(), "r" + round, "100000");
      // a line cut by the kill is not an acknowledgement
      lines = lines.stream().filter(l -> l.matches("ACK (create|delete) \\S+")).toList();
      replay(lines, acknowledged);
      JsonSnapshotStore reopened = JsonSnapshotStore.open(root);
      assertThat(reopened.check(DOMAIN)).as("round %d", round).isEmpty();
      DomainMetadata md = reopened.load(DOMAIN);
      Set<String> names = new HashSet<>(md.tree().topologicalOrder());
      // the operation in flight at the kill may or may not have committed: at most one name differs
      Set<String> diff = new HashSet<>(names);
      diff.removeAll(acknowledged);
      Set<String> missing = new HashSet<>(acknowledged);
      missing.removeAll(names);
      assertThat(diff.size() + missing.size()).as("round %d: extra %s, missing %s", round, diff, missing)
          .isLessThanOrEqualTo(1);
      acknowledged.clear();
      acknowledged.addAll(names);
    }
    assertThat(acknowledged).isNotEmpty();
  }

  @Test
  void aManagerKilledWithSigkillMidOperationIsRecoveredByTheNext() throws Exception {
    Path storeDir = tmp.resolve("snapshots");
    Path hostDir = tmp.resolve("host");
    DomainRef ref;
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      ref = host.createDomain(SimDomainSpec.of("vm", 64 * 1024, io.github.xlsnap.core.sim.SimDiskSpec.qcow2("xvda",
          1 << 20)));
    }
    Random random = new Random(7);
    Set<String> acknowledged = new HashSet<>();
    int recovered = 0;
    // ten kills at random points, and more (up to 30) until one has interrupted an operation: where a kill
    // lands is a race (a faster store leaves less time inside an operation), and the recovery of an
    // interrupted one is what this test is for
    for (int round = 0; round < 10 || (recovered == 0 && round < 30); round++) {
      List<String> lines = killMidWork(random, "life-" + round, 3, 300,
          "lifecycle", storeDir.toString(), hostDir.toString(), "vm", "r" + round);
      lines = lines.stream().filter(l -> l.matches("ACK (create|delete|revert) \\S+")).toList();
      replay(lines.stream().filter(l -> !l.startsWith("ACK revert")).toList(), acknowledged);

      try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
        JsonSnapshotStore store = JsonSnapshotStore.open(storeDir);
        SnapshotManager next = SnapshotManager.builder(host, store).build();
        List<io.github.xlsnap.core.Recovery> recoveries = next.recoverAll();
        recovered += recoveries.size();
        reported.append(recoveries);
        String context = "last acknowledged " + (lines.isEmpty() ? "-" : lines.get(lines.size() - 1))
            + ", recoveries " + recoveries;
        assertThat(store.loadIntent(ref.uuid())).as("round %d: intent", round).isEmpty();
        io.github.xlsnap.core.DomainInfo info = host.find(DomainSelector.byUuid(ref.uuid())).orElseThrow();
        assertThat(info.state().word()).as("round %d: the domain runs", round).isEqualTo("running");
        assertThat(store.check(ref.uuid())).as("round %d: check (%s)", round, context).isEmpty();
        DomainMetadata md = store.load(ref.uuid());
        Set<String> names = new HashSet<>(md.tree().topologicalOrder());
        Set<String> extra = new HashSet<>(names);
        extra.removeAll(acknowledged);
        Set<String> missing = new HashSet<>(acknowledged);
        missing.removeAll(names);
        assertThat(extra.size() + missing.size()).as("round %d: extra %s, missing %s", round, extra, missing)
            .isLessThanOrEqualTo(1);
        acknowledged.clear();
        acknowledged.addAll(names);
        // no partial overlay or extracted image is left beside the disk; an image no snapshot or disk uses that
        // holds data of its own is kept on purpose, moved aside as *.xlsnap-quarantined, and reported
        // (OperationContext.disposeGarbage): never silently
        Set<Path> needed = new HashSet<>(md.ownedImages());
        host.disks(info.ref()).forEach(d -> d.image().ifPresent(needed::add));
        md.snapshots().forEach(s -> s.disks().forEach(d -> d.image().ifPresent(needed::add)));
        try (var files = Files.walk(hostDir)) {
          List<Path> unneeded = files.filter(f -> f.getFileName().toString().contains("xlsnap-"))
              .filter(f -> !needed.contains(f)).toList();
          assertThat(unneeded).as("round %d: images left behind", round).allSatisfy(f -> {
            assertThat(f.getFileName().toString()).as("left behind").contains(".xlsnap-quarantined");
            assertThat(reported).as("the report of the image kept as %s", f).contains(" as " + f + ":");
          });
        }
      }
    }
    assertThat(acknowledged).isNotEmpty();
    assertThat(recovered).as("kills (up to 30) that interrupted an operation").isPositive();
  }

  /** An acknowledged operation with its order witness: the generation it committed. */
  private record Acked(String op, String name, long generation, String parent) {
    static Acked parse(String line) {
      String[] w = line.split(" ");
      return new Acked(w[1], w[2], Long.parseLong(w[3]), w.length > 4 ? w[4] : "");
    }
  }

  /** Names, parents, children and the current snapshot: what a serial order must reproduce. */
  private static Map<String, String> shape(DomainMetadata md) {
    Map<String, String> out = new TreeMap<>();
    for (Snapshot s : md.snapshots()) {
      out.put(s.name(), "parent " + s.parent().orElse("-") + ", children " + s.children());
    }
    out.put("(current)", md.current().orElse("-"));
    return out;
  }

  @Test
  void twoProcessesAndThreadsCreatingAndDeletingAgreeWithTheAcknowledgedOperations() throws Exception {
    Path storeDir = tmp.resolve("snapshots");
    Path hostDir = tmp.resolve("host");
    DomainRef ref;
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      ref = host.createDomain(SimDomainSpec.of("shared", SimulatedHypervisor.PAGE_SIZE));
    }
    int count = 8;
    int threads = 3;
    KillableChild p = KillableChild.start(StoreChildProcess.class, tmp.resolve("child.err"), "manager",
        storeDir.toString(), hostDir.toString(), "shared", "c", Integer.toString(count), Integer.toString(threads));
    ByteArrayOutputStream mine = new ByteArrayOutputStream();
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      SnapshotManager manager = SnapshotManager.builder(host,
          new StoreChildProcess.WitnessingStore(JsonSnapshotStore.open(storeDir))).build();
      StoreChildProcess.runWorkers(manager, DomainSelector.parse("shared"), "p", count, threads,
          new PrintStream(mine, true, StandardCharsets.UTF_8));
    }
    Set<String> expected = new HashSet<>();
    List<String> all = new ArrayList<>(p.awaitSuccess(Duration.ofMinutes(2)));
    all.addAll(List.of(mine.toString(StandardCharsets.UTF_8).split("\n")));
    replay(all, expected);
    assertThat(all).filteredOn(l -> l.startsWith("ACK")).hasSize(2 * threads * (count + count / 2));
    JsonSnapshotStore store = JsonSnapshotStore.open(storeDir);
    DomainMetadata md = store.load(ref.uuid());
    assertThat(new HashSet<>(md.tree().topologicalOrder())).isEqualTo(expected);
    assertThat(expected).hasSize(2 * threads * (count / 2));
    assertThat(store.check(ref.uuid())).isEmpty();

    // Linearizability: each operation committed one generation, under the domain's lock. Ordered by
    // it, the acknowledged operations replayed one at a time by a manager over an in-memory store
    // must see what each saw (a create's parent) and end in exactly the store's tree.
    List<Acked> ops = all.stream().filter(l -> l.startsWith("ACK")).map(Acked::parse)
        .sorted(java.util.Comparator.comparingLong(Acked::generation)).toList();
    assertThat(ops).extracting(Acked::generation).as("one commit per operation: none lost or merged")
        .doesNotHaveDuplicates().allMatch(g -> g > 0);
    try (SimulatedHypervisor host = SimulatedHypervisor.open(tmp.resolve("replay-host"))) {
      host.createDomain(SimDomainSpec.of("serial", SimulatedHypervisor.PAGE_SIZE));
      InMemorySnapshotStore serialStore = new InMemorySnapshotStore(tmp.resolve("replay-data"));
      SnapshotManager serial = SnapshotManager.builder(host, serialStore).build();
      DomainSelector vm = DomainSelector.parse("serial");
      for (Acked op : ops) {
        if (op.op().equals("create")) {
          Snapshot made = serial.create(vm, CreateSpec.builder().name(op.name()).memory(false).build());
          assertThat(made.parent().orElse("-")).as("parent of %s, committed as generation %d", op.name(),
              op.generation()).isEqualTo(op.parent());
        } else {
          serial.delete(vm, op.name(), DeleteMode.MERGE);
        }
      }
      UUID serialDomain = host.find(DomainSelector.parse("serial")).orElseThrow().ref().uuid();
      assertThat(shape(md)).as("the store's tree against the serial replay")
          .isEqualTo(shape(serialStore.load(serialDomain)));
    }
  }
}
