package io.github.xlsnap.examples;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The demo: a scripted snapshot lifecycle on a fresh simulated Xen host, printing the snapshot tree
 * as it goes. Run it with {@code scripts/demo.sh}. Pass a directory to keep the host there; by
 * default a temporary one is used and removed.
 */
public final class Demo {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

  private final PrintWriter out;
  private final SimulatedHypervisor host;
  private final SnapshotManager manager;
  private final DomainSelector vm = DomainSelector.byName("demo");

  private Demo(PrintWriter out, SimulatedHypervisor host, SnapshotManager manager) {
    this.out = out;
    this.host = host;
    this.manager = manager;
  }

  /**
   * Runs the demo.
   *
   * @param args optionally, a directory to keep the simulated host in
   * @throws IOException if the temporary directory cannot be made or removed
   */
  public static void main(String[] args) throws IOException {
    Path dir = args.length > 0 ? Path.of(args[0]).toAbsolutePath() : Files.createTempDirectory("xlsnap-demo");
    try {
      run(dir, new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    } finally {
      if (args.length == 0) {
        deleteTree(dir);
      }
    }
  }

  /**
   * Runs the demo in a directory.
   *
   * @param dir where the simulated host and the snapshot files go
   * @param out where to print
   */
  public static void run(Path dir, PrintWriter out) {
    try (SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host"))) {
      SnapshotManager manager =
          SnapshotManager.builder(host, new InMemorySnapshotStore(dir.resolve("snapshots"))).build();
      new Demo(out, host, manager).script();
    }
    out.flush();
  }

  private void script() {
    DomainRef demo = host.createDomain(new SimDomainSpec("demo", Optional.empty(), 1 << 20, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 16 << 20)), false));
    out.println("Simulated Xen host with domain " + demo);

    step("guest writes 'version 1'", () -> guestWrites("version 1"));
    step("snapshot-create demo --name base", () -> manager.create(vm, CreateSpec.builder().name("base")
        .description("fresh install").build()));
    step("guest writes 'version 2'", () -> guestWrites("version 2"));
    step("snapshot-create demo --name v2 (disk xvda external)", () -> manager.create(vm, CreateSpec.builder()
        .name("v2").disks(List.of(DiskSpec.external("xvda"))).build()));
    step("guest writes 'version 3'", () -> guestWrites("version 3"));
    step("snapshot-create demo --name v3 --live", () -> manager.create(vm, CreateSpec.builder().name("v3")
        .live(true).build()));
    tree();

    step("snapshot-revert demo base", () -> manager.revert(vm, "base", RevertOptions.DEFAULTS));
    guestReads();
    step("guest writes 'experiment'", () -> guestWrites("experiment"));
    step("snapshot-create demo --name experiment", () -> manager.create(vm, CreateSpec.builder()
        .name("experiment").build()));
    tree();

    step("snapshot-delete demo v2 (merged into its child v3)", () -> manager.delete(vm, "v2", DeleteMode.MERGE));
    tree();
    step("snapshot-revert demo v3 --paused", () -> manager.revert(vm, "v3",
        new RevertOptions(io.github.xlsnap.core.RevertTarget.PAUSED, false)));
    guestReads();
    list();
  }

  private void step(String what, Runnable action) {
    out.println();
    out.println("$ " + what);
    action.run();
  }

  private void guestWrites(String text) {
    DomainRef ref = ref();
    byte[] bytes = pad(text);
    host.writeMemory(ref, 0, bytes);
    host.writeDisk(ref, "xvda", 0, bytes);
  }

  private void guestReads() {
    DomainRef ref = ref();
    out.println("  the domain is " + host.info(ref).state() + "; guest memory reads '"
        + text(host.readMemory(ref, 0, 32)) + "', disk xvda reads '" + text(host.readDisk(ref, "xvda", 0, 32)) + "'");
  }

  private void tree() {
    out.println();
    out.println("$ snapshot-list demo --tree");
    out.print(manager.tree(vm).toString().indent(2));
  }

  private void list() {
    out.println();
    out.println("$ snapshot-list demo --parent");
    out.printf("  %-12s %-20s %-8s %s%n", "Name", "Creation Time", "State", "Parent");
    for (Snapshot s : manager.list(vm, ListQuery.all())) {
      out.printf("  %-12s %-20s %-8s %s%n", s.name(), TIME.format(s.createTime()), s.domainState().word(),
          s.parent().orElse(""));
    }
  }

  private DomainRef ref() {
    return host.find(vm).orElseThrow().ref();
  }

  private static byte[] pad(String text) {
    byte[] b = new byte[32];
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    System.arraycopy(t, 0, b, 0, Math.min(t.length, b.length));
    return b;
  }

  private static String text(byte[] b) {
    int n = 0;
    while (n < b.length && b[n] != 0) {
      n++;
    }
    return new String(b, 0, n, StandardCharsets.UTF_8);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
