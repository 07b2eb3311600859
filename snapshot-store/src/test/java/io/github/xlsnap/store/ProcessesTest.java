package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static java.util.concurrent.TimeUnit.SECONDS;
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

/** Other processes on the same store: killed with SIGKILL mid-write, and writing concurrently. */
class ProcessesTest {
  @TempDir Path tmp;

  private static Process child(Path log, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        StoreChildProcess.class.getName()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectError(log.resolveSibling(log.getFileName() + ".err").toFile())
        .redirectOutput(log.toFile()).start();
  }

  /** Waits for the signal that a child has started working: its first line of output. */
  private static void awaitFirstLine(Process p, Path log) throws Exception {
    long deadline = System.nanoTime() + SECONDS.toNanos(120);
    while (Files.size(log) == 0) {
      assertThat(p.isAlive()).as("the child runs").isTrue();
      assertThat(System.nanoTime()).as("the child's first line within 120 s").isLessThan(deadline);
      Thread.sleep(5); // polling the log for the line
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
      Path log = tmp.resolve("child-" + round + ".log");
      Process p = child(log, "store", root.toString(), DOMAIN.toString(), "r" + round, "100000");
      awaitFirstLine(p, log); // the JVM has started, however loaded the machine
      Thread.sleep(random.nextInt(700)); // a random kill point among the saves it runs until killed
      p.destroyForcibly();
      assertThat(p.waitFor(30, SECONDS)).isTrue();
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      // a line cut by the kill is not an acknowledgement
      if (!lines.isEmpty() && !lines.get(lines.size() - 1).matches("ACK (create|delete) \\S+")) {
        lines = lines.subList(0, lines.size() - 1);
      }
      Set<String> before = new HashSet<>(acknowledged);
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
      assertThat(Files.readString(log.resolveSibling(log.getFileName() + ".err"))).doesNotContain("Exception");
      assertThat(before).isNotNull();
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
    for (int round = 0; round < 10; round++) {
      Path log = tmp.resolve("life-" + round + ".log");
      Process p = child(log, "lifecycle", storeDir.toString(), hostDir.toString(), "vm", "r" + round);
      awaitFirstLine(p, log);
      Thread.sleep(random.nextInt(1500)); // a random kill point among the operations
      p.destroyForcibly();
      assertThat(p.waitFor(30, SECONDS)).isTrue();
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      if (!lines.isEmpty() && !lines.get(lines.size() - 1).matches("ACK (create|delete|revert) \\S+")) {
        lines = lines.subList(0, lines.size() - 1);
      }
      replay(lines.stream().filter(l -> !l.startsWith("ACK revert")).toList(), acknowledged);

      try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
        JsonSnapshotStore store = JsonSnapshotStore.open(storeDir);
        SnapshotManager next = SnapshotManager.builder(host, store).build();
        List<io.github.xlsnap.core.Recovery> recoveries = next.recoverAll();
        recovered += recoveries.size();
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
        // no partial overlay or extracted image is left beside the disk
        Set<Path> needed = new HashSet<>(md.ownedImages());
        host.disks(info.ref()).forEach(d -> d.image().ifPresent(needed::add));
        md.snapshots().forEach(s -> s.disks().forEach(d -> d.image().ifPresent(needed::add)));
        try (var files = Files.walk(hostDir)) {
          assertThat(files.filter(f -> f.getFileName().toString().contains("xlsnap-")).toList())
              .as("round %d: images left behind", round).allMatch(needed::contains);
        }
      }
    }
    assertThat(acknowledged).isNotEmpty();
    assertThat(recovered).as("kills that interrupted an operation").isPositive();
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
    Path log = tmp.resolve("child.log");
    Process p = child(log, "manager", storeDir.toString(), hostDir.toString(), "shared", "c", Integer.toString(count),
        Integer.toString(threads));
    ByteArrayOutputStream mine = new ByteArrayOutputStream();
    try (SimulatedHypervisor host = SimulatedHypervisor.open(hostDir)) {
      SnapshotManager manager = SnapshotManager.builder(host,
          new StoreChildProcess.WitnessingStore(JsonSnapshotStore.open(storeDir))).build();
      StoreChildProcess.runWorkers(manager, DomainSelector.parse("shared"), "p", count, threads,
          new PrintStream(mine, true, StandardCharsets.UTF_8));
    }
    assertThat(p.waitFor(120, SECONDS)).isTrue();
    assertThat(p.exitValue()).as(Files.readString(log.resolveSibling("child.log.err"))).isZero();
    Set<String> expected = new HashSet<>();
    List<String> all = new ArrayList<>(Files.readAllLines(log));
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
