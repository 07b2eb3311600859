package io.github.xlsnap.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import io.github.xlsnap.core.spi.RestoreRequest;
import io.github.xlsnap.core.testing.ForwardingHypervisor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thread interrupted in the middle of an operation (a {@code Future.cancel(true)}, the command line's
 * Ctrl-C) gets the whole rollback: the simulated host's files and the store refuse an interrupted
 * thread, so a rollback run with the interrupt status set would leave the domain paused and the
 * operation's record behind. The interrupt status is set again when the operation has failed.
 */
class InterruptedOperationTest {
  @TempDir Path dir;
  SimulatedHypervisor sim;
  InMemorySnapshotStore store;
  final DiskImages images = QemuImg.system();
  final DomainSelector vm = DomainSelector.byName("vm");
  /** Which call interrupts its own thread once before going on, as a signal arriving in the middle of it. */
  volatile String interruptIn = "";

  @BeforeEach
  void setUp() {
    sim = SimulatedHypervisor.open(dir.resolve("host"), images);
    sim.createDomain(new SimDomainSpec("vm", Optional.empty(), 64 * 1024, 1,
        List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20)), false));
    store = new InMemorySnapshotStore(dir.resolve("snapshots"));
  }

  @AfterEach
  void tearDown() {
    Thread.interrupted();
    sim.close();
  }

  private SnapshotManager manager() {
    ForwardingHypervisor interrupting = new ForwardingHypervisor(sim) {
      @Override
      public CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode) {
        interruptIf("checkpoint");
        return super.checkpoint(domain, memoryImage, mode);
      }

      @Override
      public DomainRef restore(RestoreRequest request) {
        interruptIf("restore");
        return super.restore(request);
      }
    };
    return SnapshotManager.builder(interrupting, store).diskImages(images)
        .clock(new SnapshotManagerTest.TickingClock(Instant.parse("2026-12-01T00:00:00Z"))).build();
  }

  private void interruptIf(String call) {
    if (interruptIn.equals(call)) {
      interruptIn = ""; // one signal: the rollback's own calls are not interrupted again
      Thread.currentThread().interrupt();
    }
  }

  private DomainRef ref() {
    return sim.find(vm).orElseThrow().ref();
  }

  private void guestWrites(String text) {
    byte[] b = Arrays.copyOf(text.getBytes(UTF_8), 16);
    sim.writeMemory(ref(), 0, b);
    sim.writeDisk(ref(), "xvda", 0, b);
  }

  private String guestMemory() {
    return new String(sim.readMemory(ref(), 0, 16), UTF_8).replace("\0", "");
  }

  private String guestDisk() {
    return new String(sim.readDisk(ref(), "xvda", 0, 16), UTF_8).replace("\0", "");
  }

  private List<Path> files(Path root) throws IOException {
    if (!Files.exists(root)) {
      return List.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(Files::isRegularFile).toList();
    }
  }

  @Test
  void aCreateInterruptedWhileSavingMemoryIsRolledBackAndTheDomainRuns() throws Exception {
    SnapshotManager manager = manager();
    guestWrites("before");
    interruptIn = "checkpoint";

    assertThatThrownBy(() -> manager.create(vm, CreateSpec.builder().name("s").build()));

    assertThat(Thread.interrupted()).as("the interrupt status is set again").isTrue();
    assertThat(sim.info(ref()).state()).isEqualTo(DomainState.RUNNING);
    assertThat(manager.tree(vm).isEmpty()).isTrue();
    assertThat(store.loadIntent(ref().uuid())).as("no operation record left").isEmpty();
    assertThat(files(dir.resolve("snapshots"))).as("no memory image left").isEmpty();
    assertThat(images.info(sim.disks(ref()).get(0).image().orElseThrow()).internalSnapshots())
        .as("no disk snapshot left").isEmpty();
    assertThat(guestMemory()).isEqualTo("before");

    assertThat(manager.create(vm, CreateSpec.builder().name("s").build()).name()).isEqualTo("s");
  }

  @Test
  void aRevertInterruptedWhileRestoringBringsThePreviousInstanceBack() throws Exception {
    SnapshotManager manager = manager();
    guestWrites("at a");
    manager.create(vm, CreateSpec.builder().name("a").build());
    guestWrites("after a");
    interruptIn = "restore";

    assertThatThrownBy(() -> manager.revert(vm, "a", RevertOptions.DEFAULTS));

    assertThat(Thread.interrupted()).as("the interrupt status is set again").isTrue();
    assertThat(sim.info(ref()).state()).isEqualTo(DomainState.RUNNING);
    assertThat(guestMemory()).isEqualTo("after a");
    assertThat(guestDisk()).isEqualTo("after a");
    assertThat(store.loadIntent(ref().uuid())).as("no operation record left").isEmpty();
    assertThat(manager.tree(vm).topologicalOrder()).containsExactly("a");

    manager.revert(vm, "a", RevertOptions.DEFAULTS);
    assertThat(guestMemory()).isEqualTo("at a");
  }
}
