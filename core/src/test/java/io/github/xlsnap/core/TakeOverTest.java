package io.github.xlsnap.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.core.testing.ForwardingSnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pool: host A dies in the middle of an operation, with the domain; host B, sharing the store and
 * the storage, takes the operation over. B's hypervisor never saw the domain, so only metadata and
 * files are put right, and nothing the domain may have written to is deleted.
 */
class TakeOverTest {
  private static final String HOST_A = "host-a";

  @TempDir Path dir;
  SimulatedHypervisor hostA;
  SimulatedHypervisor hostB;
  final DiskImages images = QemuImg.system();
  InMemorySnapshotStore shared;
  final DomainSelector vm = DomainSelector.byName("vm");
  UUID uuid;

  /** Host B's view of the shared store: the pending intent was written by host A. */
  final class SeenFromB extends ForwardingSnapshotStore {
    SeenFromB(SnapshotStore delegate) {
      super(delegate);
    }

    @Override
    public Optional<String> foreignIntentHost(UUID domain) {
      return loadIntent(domain).map(i -> HOST_A);
    }

    @Override
    public boolean isPoolWide() {
      return true;
    }
  }

  @BeforeEach
  void setUp() {
    hostA = SimulatedHypervisor.open(dir.resolve("host-a"), images);
    hostB = SimulatedHypervisor.open(dir.resolve("host-b"), images);
    hostA.createDomain(new SimDomainSpec("vm", Optional.empty(), 16 * 1024, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20)), false));
    uuid = hostA.find(vm).orElseThrow().ref().uuid();
    shared = new InMemorySnapshotStore(dir.resolve("snapshots"));
  }

  @AfterEach
  void tearDown() {
    hostA.close();
    hostB.close();
  }

  private SnapshotManager.Builder on(SimulatedHypervisor host, SnapshotStore store) {
    return SnapshotManager.builder(host, store).diskImages(images)
        .clock(new SnapshotManagerTest.TickingClock(Instant.parse("2026-12-05T00:00:00Z")));
  }

  private void guestWrites(String text) {
    hostA.writeDisk(hostA.find(vm).orElseThrow().ref(), "xvda", 0, Arrays.copyOf(text.getBytes(UTF_8), 16));
  }

  /** Host A runs {@code body} and dies (with its domain) at the store's first save, its commit. */
  private void hostADiesAtTheCommit(java.util.function.Consumer<SnapshotManager> body) throws InterruptedException {
    FaultyStore store = new FaultyStore(shared);
    SnapshotManager a = on(hostA, store).build();
    store.point.crashAt(1);
    Thread op = new Thread(() -> body.accept(a), "host A's operation");
    op.setDaemon(true);
    op.start();
    assertThat(Crash.awaitStopped(op)).as("host A's operation reached its commit").isTrue();
    assertThat(shared.loadIntent(uuid)).isPresent();
  }

  private List<Path> filesUnder(Path root) throws Exception {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void hostBRefusesToRecoverHostAsOperationAndNamesTheWayOut() throws Exception {
    on(hostA, shared).build().create(vm, CreateSpec.builder().name("s1").build());
    hostADiesAtTheCommit(a -> a.create(vm, CreateSpec.builder().name("s2").build()));
    SnapshotManager b = on(hostB, new SeenFromB(shared)).build();

    assertThatThrownBy(() -> b.recover(uuid)).isInstanceOf(RecoveryFailedException.class)
        .hasMessageContaining("recorded by host " + HOST_A).hasMessageContaining("--take-over " + HOST_A);
    assertThatThrownBy(() -> b.takeOver(uuid, "host-c")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("recorded by host " + HOST_A + ", not by host host-c");
    assertThat(shared.loadIntent(uuid)).isPresent();
  }

  @Test
  void aTakenOverCreateThatDidNotCommitRemovesItsMemoryImageAndKeepsTheOverlaysTheDomainRanOn() throws Exception {
    on(hostA, shared).build().create(vm, CreateSpec.builder().name("s1").build());
    guestWrites("after s1");
    hostADiesAtTheCommit(a -> a.create(vm, CreateSpec.builder().name("s2").memoryPath(dir.resolve("s2.mem"))
        .disks(List.of(DiskSpec.external("xvda"))).build()));
    Path overlay = hostA.disks(hostA.find(vm).orElseThrow().ref()).get(0).image().orElseThrow();
    assertThat(overlay.getFileName().toString()).contains("xlsnap-");
    assertThat(dir.resolve("s2.mem")).exists();
    SnapshotManager b = on(hostB, new SeenFromB(shared)).build();

    Optional<Recovery> taken = b.takeOver(uuid, HOST_A);

    assertThat(taken).hasValueSatisfying(r -> {
      assertThat(r.operation()).isEqualTo("create");
      assertThat(r.completed()).isFalse();
      assertThat(r.actions()).anySatisfy(a -> assertThat(a).startsWith("kept " + overlay));
    });
    assertThat(dir.resolve("s2.mem")).doesNotExist();
    assertThat(overlay).exists();
    assertThat(shared.loadIntent(uuid)).isEmpty();
    assertThat(b.tree(DomainSelector.byUuid(uuid)).snapshots()).extracting(Snapshot::name).containsExactly("s1");
    assertThat(b.takeOver(uuid, HOST_A)).isEmpty();
  }

  @Test
  void aTakenOverRevertThatDidNotCommitKeepsTheReplacedInstancesMemoryAndTheNewImages() throws Exception {
    SnapshotManager first = on(hostA, shared).build();
    first.create(vm, CreateSpec.builder().name("s1").disks(List.of(DiskSpec.external("xvda"))).build());
    guestWrites("after s1");
    first.create(vm, CreateSpec.builder().name("s2").build());
    List<Path> before = filesUnder(dir);
    hostADiesAtTheCommit(a -> a.revert(vm, "s1", RevertOptions.DEFAULTS));
    List<Path> made = filesUnder(dir).stream().filter(p -> !before.contains(p))
        .filter(p -> p.toString().endsWith(".qcow2") || p.getFileName().toString().startsWith(".rollback-")).toList();
    assertThat(made).as("the revert's rollback memory image and new image")
        .anySatisfy(p -> assertThat(p.getFileName().toString()).startsWith(".rollback-"))
        .anySatisfy(p -> assertThat(p.getFileName().toString()).endsWith(".qcow2"));
    SnapshotManager b = on(hostB, new SeenFromB(shared)).build();

    Optional<Recovery> taken = b.takeOver(uuid, HOST_A);

    assertThat(taken).hasValueSatisfying(r -> {
      assertThat(r.operation()).isEqualTo("revert");
      assertThat(r.completed()).isFalse();
      assertThat(r.actions()).anySatisfy(a -> assertThat(a).contains("the memory of the instance the revert replaced"));
    });
    assertThat(made).allSatisfy(p -> assertThat(p).exists());
    assertThat(shared.loadIntent(uuid)).isEmpty();
    assertThat(shared.load(uuid).current()).contains("s2");
  }

  @Test
  void aTakenOverDeleteThatDidNotCommitChangesNoSnapshot() throws Exception {
    SnapshotManager first = on(hostA, shared).build();
    first.create(vm, CreateSpec.builder().name("s1").build());
    first.create(vm, CreateSpec.builder().name("s2").build());
    hostADiesAtTheCommit(a -> a.delete(vm, "s1", DeleteMode.MERGE));
    SnapshotManager b = on(hostB, new SeenFromB(shared)).build();

    assertThat(b.takeOver(uuid, HOST_A)).hasValueSatisfying(r -> assertThat(r.completed()).isFalse());

    assertThat(shared.loadIntent(uuid)).isEmpty();
    assertThat(b.tree(DomainSelector.byUuid(uuid)).snapshots()).extracting(Snapshot::name)
        .containsExactlyInAnyOrder("s1", "s2");
    assertThat(shared.load(uuid).tree().get("s1").memoryImage()).hasValueSatisfying(m -> assertThat(m).exists());
  }
}
