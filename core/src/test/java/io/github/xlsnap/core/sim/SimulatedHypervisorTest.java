package io.github.xlsnap.core.sim;

import static io.github.xlsnap.core.sim.SimHostFixture.DISK_BYTES;
import static io.github.xlsnap.core.sim.SimHostFixture.MEMORY_BYTES;
import static io.github.xlsnap.core.sim.SimulatedHypervisor.PAGE_SIZE;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.common.base.Stopwatch;
import com.google.common.primitives.Bytes;
import com.google.common.primitives.Longs;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskImageException;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainNotFoundException;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.DomainStateException;
import io.github.xlsnap.core.HypervisorException;
import io.github.xlsnap.core.ShutdownReason;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.RestoreRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The simulated host's own behaviour, beyond the hypervisor contract: the guest, persistence, faults. */
class SimulatedHypervisorTest {
  private static final String TAG = "snap";
  private static final byte[] HELLO = "hello, disk".getBytes(StandardCharsets.US_ASCII);

  private SimHostFixture fixture;
  private SimulatedHypervisor host;
  private DiskImages images;

  @BeforeEach
  void openHost() throws IOException {
    fixture = new SimHostFixture();
    host = fixture.hypervisor();
    images = fixture.images();
  }

  @AfterEach
  void closeHost() throws IOException {
    fixture.close();
  }

  // ---------------------------------------------------------------- the guest

  @Test
  void memoryAndDiskWritesReadBack() {
    DomainRef domain = create("io", SimDiskSpec.qcow2("xvda", DISK_BYTES), SimDiskSpec.raw("xvdb", DISK_BYTES));
    byte[] acrossPages = new byte[10];
    Arrays.fill(acrossPages, (byte) 7);

    assertThat(host.readMemory(domain, 0, (int) MEMORY_BYTES)).containsOnly(0);
    host.write(domain, new GuestWrite.Memory(PAGE_SIZE - 5, acrossPages), new GuestWrite.Disk("xvda", 1000, HELLO),
        new GuestWrite.Disk("xvdb", 512, HELLO));

    assertThat(host.readMemory(domain, PAGE_SIZE - 5, 10)).isEqualTo(acrossPages);
    assertThat(host.readMemory(domain, PAGE_SIZE - 6, 1)).containsExactly(0);
    assertThat(host.readDisk(domain, "xvda", 1000, HELLO.length)).isEqualTo(HELLO);
    assertThat(host.readDisk(domain, "xvdb", 512, HELLO.length)).isEqualTo(HELLO);
  }

  @Test
  void aStepWithAnInvalidWriteWritesNothing() {
    DomainRef domain = create("io", SimDiskSpec.qcow2("xvda", DISK_BYTES));

    assertThatThrownBy(() -> host.write(domain, new GuestWrite.Disk("xvda", 0, HELLO),
        new GuestWrite.Memory(MEMORY_BYTES - 2, HELLO))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> host.write(domain, new GuestWrite.Memory(0, HELLO),
        new GuestWrite.Disk("xvdz", 0, HELLO))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> host.writeDisk(domain, "xvda", DISK_BYTES - 1, HELLO))
        .isInstanceOf(IllegalArgumentException.class);

    assertThat(host.readDisk(domain, "xvda", 0, HELLO.length)).containsOnly(0);
    assertThat(host.readMemory(domain, 0, (int) MEMORY_BYTES)).containsOnly(0);
  }

  @Test
  void theGuestWritesOnlyWhileTheDomainRuns() throws IOException {
    DomainRef domain = create("io", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    host.writeMemory(domain, 0, HELLO);

    host.pause(domain);
    assertThatThrownBy(() -> host.writeMemory(domain, 0, new byte[] {1})).isInstanceOf(DomainStateException.class);
    host.unpause(domain);
    host.checkpoint(domain, emptyFile("memory.img"), CheckpointMode.STOPPED);
    assertThatThrownBy(() -> host.writeDisk(domain, "xvda", 0, HELLO)).isInstanceOf(DomainStateException.class);

    assertThat(host.readMemory(domain, 0, HELLO.length)).as("reads work while suspended").isEqualTo(HELLO);
    assertThat(host.readDisk(domain, "xvda", 0, HELLO.length)).containsOnly(0);
    host.resume(domain);
    host.writeDisk(domain, "xvda", 0, HELLO);
    assertThat(host.readDisk(domain, "xvda", 0, HELLO.length)).isEqualTo(HELLO);
    host.destroy(domain);
    assertThatThrownBy(() -> host.readMemory(domain, 0, 1)).isInstanceOf(DomainNotFoundException.class);
  }

  @Test
  void afterAnExternalSnapshotTheGuestWritesToTheOverlay() {
    DomainRef domain = create("io", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    Path base = image(domain, "xvda");
    host.writeDisk(domain, "xvda", 0, HELLO);
    host.pause(domain);
    host.snapshotDisks(domain, List.of(DiskSnapshotRequest.external("xvda", scratch("overlay.qcow2"))));
    host.unpause(domain);

    byte[] changed = "changed".getBytes(StandardCharsets.US_ASCII);
    host.writeDisk(domain, "xvda", 0, changed);

    assertThat(host.readDisk(domain, "xvda", 0, changed.length)).isEqualTo(changed);
    assertThat(images.read(base, DiskFormat.QCOW2, 0, HELLO.length)).isEqualTo(HELLO);
  }

  @Test
  void guestWritesCopyTheirBytes() {
    byte[] bytes = {1, 2, 3};
    GuestWrite.Memory write = new GuestWrite.Memory(0, bytes);
    bytes[0] = 9;
    write.data()[1] = 9;

    assertThat(write.data()).containsExactly(1, 2, 3);
    assertThat(write).isEqualTo(new GuestWrite.Memory(0, new byte[] {1, 2, 3}));
    assertThatThrownBy(() -> new GuestWrite.Disk("xvda", -1, bytes)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new GuestWrite.Memory(0, new byte[0])).isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------- checkpoints

  @Test
  void liveCheckpointCopiesWhileTheGuestRunsAndSavesTheStateAtTheSuspension() throws Exception {
    long memoryBytes = 4L << 20;
    DomainRef domain = host.createDomain(SimDomainSpec.of("busy", memoryBytes, SimDiskSpec.qcow2("xvda", DISK_BYTES)));
    int pages = (int) (memoryBytes / PAGE_SIZE);
    AtomicLong lastStep = new AtomicLong();
    CompletableFuture<Long> guest = CompletableFuture.supplyAsync(() -> {
      // each step writes the counter to page 0 and to the disk, and scribbles on another page
      for (long step = 1; ; step++) {
        byte[] counter = Longs.toByteArray(step);
        try {
          host.write(domain, new GuestWrite.Memory(0, counter),
              new GuestWrite.Memory((step * 7919 % pages) * PAGE_SIZE + 8, counter),
              new GuestWrite.Disk("xvda", 0, counter));
        } catch (DomainStateException suspended) {
          return step - 1;
        }
        lastStep.set(step);
      }
    });
    awaitAtLeast(lastStep, 3);
    long stepsBefore = lastStep.get();
    Path image = emptyFile("memory.img");

    Stopwatch total = Stopwatch.createStarted();
    CheckpointResult result = host.checkpoint(domain, image, CheckpointMode.LIVE);
    Duration checkpointTime = total.elapsed();
    long stepsDone = guest.get(30, SECONDS);

    assertThat(host.info(domain).state().isSuspended()).isTrue();
    assertThat(stepsDone).as("the guest ran during the copy").isGreaterThan(stepsBefore);
    assertThat(result.rounds()).isGreaterThan(1);
    assertThat(result.bytesWritten()).as("pages were sent again").isGreaterThan(imageSizeWithEachPageOnce(pages))
        .isEqualTo(Files.size(image));
    assertThat(result.guestStopped()).isLessThan(checkpointTime);
    byte[] diskCounter = host.readDisk(domain, "xvda", 0, 8);
    assertThat(Longs.fromByteArray(diskCounter)).isEqualTo(stepsDone);
    byte[] memoryAtSuspension = host.readMemory(domain, 0, (int) memoryBytes);

    DomainRef restored = destroyAndRestore(domain, Optional.of(image), true);

    byte[] restoredMemory = host.readMemory(restored, 0, (int) memoryBytes);
    assertThat(Arrays.copyOf(restoredMemory, 8)).isEqualTo(diskCounter);
    assertThat(restoredMemory).isEqualTo(memoryAtSuspension);
  }

  @Test
  void checkpointOfAPausedDomainIsOneRoundEvenWhenLive() throws IOException {
    DomainRef domain = create("quiet");
    host.pause(domain);

    CheckpointResult result = host.checkpoint(domain, emptyFile("memory.img"), CheckpointMode.LIVE);

    assertThat(result.rounds()).isEqualTo(1);
    assertThat(result.bytesWritten()).isEqualTo(imageSizeWithEachPageOnce((int) (MEMORY_BYTES / PAGE_SIZE)));
  }

  @Test
  void checkpointIsRefusedOnASuspendedDomainAndIntoAMissingFile() throws IOException {
    DomainRef domain = create("quiet");

    assertThatThrownBy(() -> host.checkpoint(domain, scratch("missing.img"), CheckpointMode.STOPPED))
        .isInstanceOf(HypervisorException.class).hasMessageContaining("missing.img");
    assertThat(host.info(domain).state().isActive()).isTrue();
    assertThatThrownBy(() -> host.resume(domain)).isInstanceOf(DomainStateException.class);
    host.checkpoint(domain, emptyFile("memory.img"), CheckpointMode.STOPPED);
    assertThatThrownBy(() -> host.checkpoint(domain, emptyFile("again.img"), CheckpointMode.LIVE))
        .isInstanceOf(DomainStateException.class);
  }

  @Test
  void restoreReplaysTheMemoryImage() throws IOException {
    DomainRef domain = create("saved");
    host.writeMemory(domain, 3 * PAGE_SIZE + 100, HELLO);
    Path image = emptyFile("memory.img");
    host.checkpoint(domain, image, CheckpointMode.STOPPED);

    DomainRef restored = destroyAndRestore(domain, Optional.of(image), false);

    assertThat(host.readMemory(restored, 3 * PAGE_SIZE + 100, HELLO.length)).isEqualTo(HELLO);
    host.writeMemory(restored, 0, HELLO);
  }

  @Test
  void replayTellsTheBytesReadSoFarAfterEachPageAndTheWholeImageAtTheEnd() throws IOException {
    DomainRef domain = create("saved");
    Path image = emptyFile("memory.img");
    host.checkpoint(domain, image, CheckpointMode.STOPPED);
    long size = Files.size(image);
    AtomicLong position = new AtomicLong();
    List<Long> seen = new ArrayList<>();

    MemoryImage.replay(image, domain.uuid(), MEMORY_BYTES, (index, page) -> seen.add(position.get()), position);

    assertThat(seen).hasSize((int) (MEMORY_BYTES / PAGE_SIZE)).isSorted()
        .allSatisfy(p -> assertThat(p).isBetween(0L, size));
    assertThat(position.get()).isEqualTo(size);
  }

  @Test
  void restoreWithoutAMemoryImageBootsWithZeroedMemory() {
    DomainRef domain = create("booted", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    host.write(domain, new GuestWrite.Memory(0, HELLO), new GuestWrite.Disk("xvda", 0, HELLO));

    DomainRef restored = destroyAndRestore(domain, Optional.empty(), false);

    assertThat(host.readMemory(restored, 0, (int) MEMORY_BYTES)).containsOnly(0);
    assertThat(host.readDisk(restored, "xvda", 0, HELLO.length)).isEqualTo(HELLO);
  }

  static Stream<Arguments> damagedImages() {
    return Stream.of(
        Arguments.of("bad magic", (UnaryOperator<byte[]>) b -> flip(b, 0), "bad magic"),
        Arguments.of("other version", (UnaryOperator<byte[]>) b -> putInt(b, 8, 2), "format version 2"),
        Arguments.of("other page size", (UnaryOperator<byte[]>) b -> putInt(b, 12, 8192), "page size 8192"),
        Arguments.of("empty", (UnaryOperator<byte[]>) b -> new byte[0], "truncated"),
        Arguments.of("truncated", (UnaryOperator<byte[]>) b -> Arrays.copyOf(b, b.length - 100), "truncated"),
        Arguments.of("flipped page byte", (UnaryOperator<byte[]>) b -> flip(b, 40 + 8 + 100), "checksum mismatch"),
        Arguments.of("page index out of range", (UnaryOperator<byte[]>) b -> putLong(b, 40, 1 << 20), "outside"),
        Arguments.of("trailing data", (UnaryOperator<byte[]>) b -> Bytes.concat(b, new byte[1]), "after its trailer"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("damagedImages")
  void restoreRefusesADamagedMemoryImageAndLeavesNothingBehind(String damage, UnaryOperator<byte[]> change,
      String expected) throws IOException {
    DomainRef domain = create("saved");
    Path good = emptyFile("good.img");
    host.checkpoint(domain, good, CheckpointMode.STOPPED);
    DomainConfiguration configuration = host.configuration(domain);
    host.destroy(domain);
    Path bad = Files.write(scratch("bad.img"), change.apply(Files.readAllBytes(good)));

    assertRestoreRefused(configuration, bad, expected);

    host.restore(new RestoreRequest(configuration, Optional.of(good), Map.of(), false));
  }

  @Test
  void restoreRefusesAnotherDomainsMemoryImage() throws IOException {
    DomainRef other = create("other");
    Path otherImage = emptyFile("other.img");
    host.checkpoint(other, otherImage, CheckpointMode.STOPPED);
    DomainRef domain = create("saved");
    DomainConfiguration configuration = host.configuration(domain);
    host.destroy(domain);

    assertRestoreRefused(configuration, otherImage, "belongs to domain " + other.uuid());
  }

  @Test
  void restoreRefusesAMemoryImageOfAnotherSize() throws IOException {
    DomainRef domain = create("saved");
    Path image = emptyFile("memory.img");
    host.checkpoint(domain, image, CheckpointMode.STOPPED);
    DomainConfiguration configuration = host.configuration(domain);
    host.destroy(domain);
    DomainConfiguration bigger = new DomainConfiguration(configuration.backend(), configuration.content()
        .replace("memory.bytes=" + MEMORY_BYTES, "memory.bytes=" + 2 * MEMORY_BYTES));

    assertRestoreRefused(bigger, image, "holds " + MEMORY_BYTES + " bytes");
  }

  @Test
  void restoreRefusesAnIncompleteMemoryImage() throws IOException {
    DomainRef domain = create("saved");
    DomainConfiguration configuration = host.configuration(domain);
    host.destroy(domain);
    Path image = emptyFile("incomplete.img");
    try (MemoryImage.Writer writer = MemoryImage.Writer.create(image, domain.uuid(), MEMORY_BYTES)) {
      writer.writePage(1, ByteBuffer.allocate(PAGE_SIZE));
      writer.finish();
    }

    assertRestoreRefused(configuration, image, "page 0 is missing");
  }

  // ---------------------------------------------------------------- domains

  @Test
  void domain0IsListedFirstAndCannotBeTouched() throws IOException {
    DomainRef guest = create("guest");
    DomainInfo dom0 = host.listDomains().get(0);
    DomainRef ref = dom0.ref();
    Path image = emptyFile("memory.img");

    assertThat(ref).isEqualTo(new DomainRef(SimulatedHypervisor.DOM0_UUID, SimulatedHypervisor.DOM0_NAME, 0));
    assertThat(host.listDomains()).extracting(DomainInfo::ref).containsExactly(ref, guest);
    assertThat(host.find(DomainSelector.byName("Domain-0"))).contains(dom0);
    assertThat(host.find(DomainSelector.byDomid(0))).contains(dom0);
    assertThat(host.info(ref)).isEqualTo(dom0);
    assertThat(host.disks(ref)).isEmpty();
    for (Executable refused : List.<Executable>of(() -> host.pause(ref), () -> host.destroy(ref),
        () -> host.shutdown(ref), () -> host.checkpoint(ref, image, CheckpointMode.STOPPED),
        () -> host.snapshotDisks(ref, List.of()), () -> host.configuration(ref),
        () -> host.writeMemory(ref, 0, HELLO))) {
      assertThatThrownBy(refused::execute).isInstanceOf(DomainStateException.class);
    }
    assertThatThrownBy(() -> host.info(new DomainRef(SimulatedHypervisor.DOM0_UUID, "Domain-0", 5)))
        .isInstanceOf(DomainNotFoundException.class);
  }

  @Test
  void createDomainRefusesATakenNameOrUuid() {
    DomainRef domain = create("taken");

    assertThatThrownBy(() -> create("taken")).isInstanceOf(HypervisorException.class).hasMessageContaining("taken");
    assertThatThrownBy(() -> host.createDomain(SimDomainSpec.of("Domain-0", MEMORY_BYTES)))
        .isInstanceOf(HypervisorException.class);
    assertThatThrownBy(() -> host.createDomain(SimDomainSpec.of("other", MEMORY_BYTES).withUuid(domain.uuid())))
        .isInstanceOf(HypervisorException.class).hasMessageContaining(domain.uuid().toString());
    assertThat(host.listDomains()).hasSize(2);
  }

  @Test
  void createDomainKeepsTheImagesOfADestroyedDomainWithTheSameUuid() {
    DomainRef domain = create("old", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    host.writeDisk(domain, "xvda", 0, HELLO);
    host.destroy(domain);

    assertThatThrownBy(() -> host.createDomain(
        SimDomainSpec.of("new", MEMORY_BYTES, SimDiskSpec.qcow2("xvda", DISK_BYTES)).withUuid(domain.uuid())))
        .isInstanceOf(HypervisorException.class).hasMessageContaining("exists already");
    assertThat(host.find(DomainSelector.byUuid(domain.uuid()))).isEmpty();
    assertThat(images.read(image(domain.uuid(), "xvda.qcow2"), DiskFormat.QCOW2, 0, HELLO.length)).isEqualTo(HELLO);
  }

  @Test
  void specsAreChecked() {
    List<Executable> invalid = List.of(
        () -> SimDomainSpec.of("m", 0),
        () -> SimDomainSpec.of("m", 1000),
        () -> SimDomainSpec.of("m", SimDomainSpec.MAX_MEMORY_BYTES + PAGE_SIZE),
        () -> new SimDomainSpec("m", Optional.empty(), MEMORY_BYTES, 0, List.of(), false),
        () -> SimDomainSpec.of("42", MEMORY_BYTES),
        () -> SimDomainSpec.of(UUID.randomUUID().toString(), MEMORY_BYTES),
        () -> SimDomainSpec.of("a b", MEMORY_BYTES),
        () -> SimDomainSpec.of(" ", MEMORY_BYTES),
        () -> SimDomainSpec.of("m", MEMORY_BYTES).withUuid(SimulatedHypervisor.DOM0_UUID),
        () -> SimDomainSpec.of("m", MEMORY_BYTES, SimDiskSpec.raw("xvda", 512), SimDiskSpec.raw("xvda", 512)),
        () -> SimDiskSpec.qcow2("xvda", 0),
        () -> SimDiskSpec.qcow2("xvda", 1000),
        () -> SimDiskSpec.qcow2("XVDA", 512),
        () -> SimDiskSpec.qcow2("../x", 512),
        () -> new SimDiskSpec("xvda", DiskFormat.VHD, 512));
    for (Executable spec : invalid) {
      assertThatThrownBy(spec::execute).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void aDomainCanBeCreatedPaused() {
    DomainRef domain = host.createDomain(SimDomainSpec.of("sleepy", MEMORY_BYTES).withPaused(true));

    assertThat(host.info(domain).state().paused()).isTrue();
    assertThat(host.info(domain).memoryKib()).isEqualTo(MEMORY_BYTES / 1024);
  }

  @Test
  void destroyDeletesMemoryAndStateButKeepsTheDiskImages() {
    DomainRef domain = create("doomed", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    Path directory = host.directory().resolve("domains").resolve(domain.uuid().toString());
    assertThat(directory.resolve("memory.bin")).exists();

    host.destroy(domain);

    assertThat(directory.resolve("memory.bin")).doesNotExist();
    assertThat(directory.resolve("domain.properties")).doesNotExist();
    assertThat(image(domain.uuid(), "xvda.qcow2")).exists();
    assertThatThrownBy(() -> host.destroy(domain)).isInstanceOf(DomainNotFoundException.class);
  }

  @ParameterizedTest
  @EnumSource(value = ShutdownReason.class, names = {"CRASH", "POWEROFF"})
  void aGuestThatCrashesOrPowersOffIsPreservedInactiveUntilDestroyed(ShutdownReason reason) throws IOException {
    DomainRef domain = create("dead", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    host.write(domain, new GuestWrite.Memory(0, HELLO), new GuestWrite.Disk("xvda", 0, HELLO));
    DomainConfiguration alive = host.configuration(domain);

    if (reason == ShutdownReason.CRASH) {
      host.crash(domain);
    } else {
      host.powerOff(domain);
    }

    DomainState state = host.info(domain).state();
    assertThat(state.shutdown()).contains(reason);
    assertThat(state.isActive()).isFalse();
    assertThat(state.isSuspended()).isFalse();
    assertThat(state.running()).isFalse();
    assertThat(state.word()).isEqualTo(reason == ShutdownReason.CRASH ? "crashed" : "shutdown");
    try (SimulatedHypervisor second = SimulatedHypervisor.open(fixture.hostDirectory(), images)) {
      assertThat(second.info(domain).state()).as("persisted").isEqualTo(state);
    }
    assertThat(host.readMemory(domain, 0, HELLO.length)).as("memory kept").isEqualTo(HELLO);
    assertThat(host.readDisk(domain, "xvda", 0, HELLO.length)).as("disk kept").isEqualTo(HELLO);
    assertThat(host.configuration(domain)).isEqualTo(alive);
    assertThat(host.disks(domain)).extracting(DomainDisk::target).containsExactly("xvda");

    assertThatThrownBy(() -> host.writeMemory(domain, 0, HELLO)).isInstanceOf(DomainStateException.class);
    assertThatThrownBy(() -> host.checkpoint(domain, emptyFile("m.img"), CheckpointMode.STOPPED))
        .isInstanceOf(DomainStateException.class).hasMessageContaining("shut down");
    assertThatThrownBy(() -> host.resume(domain)).isInstanceOf(DomainStateException.class);
    assertThatThrownBy(() -> host.snapshotDisks(domain, List.of(DiskSnapshotRequest.internal("xvda", TAG))))
        .isInstanceOf(DomainStateException.class);
    assertThatThrownBy(() -> host.shutdown(domain)).isInstanceOf(DomainStateException.class);
    assertThatThrownBy(() -> host.crash(domain)).isInstanceOf(DomainStateException.class);
    assertThatThrownBy(() -> host.powerOff(domain)).isInstanceOf(DomainStateException.class);
    assertThat(host.info(domain).state()).isEqualTo(state);

    host.destroy(domain);
    assertThat(host.find(DomainSelector.byUuid(domain.uuid()))).isEmpty();
    assertThat(image(domain.uuid(), "xvda.qcow2")).exists();
  }

  @Test
  void onlyARunningGuestCanCrash() {
    DomainRef paused = create("paused");
    host.pause(paused);
    assertThatThrownBy(() -> host.crash(paused)).isInstanceOf(DomainStateException.class);
    assertThatThrownBy(() -> host.powerOff(paused)).isInstanceOf(DomainStateException.class);
    assertThat(host.info(paused).state().isActive()).isTrue();
  }

  @Test
  void shutdownRemovesARunningDomainAndRefusesAPausedOne() {
    DomainRef running = create("running");
    DomainRef paused = create("paused");
    host.pause(paused);

    host.shutdown(running);

    assertThat(host.find(DomainSelector.byUuid(running.uuid()))).isEmpty();
    assertThatThrownBy(() -> host.shutdown(paused)).isInstanceOf(DomainStateException.class);
    assertThat(host.info(paused).state().paused()).isTrue();
  }

  @Test
  void restoreRefusesAConfigurationItCannotUse() {
    DomainRef domain = create("live", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    DomainConfiguration configuration = host.configuration(domain);

    assertThatThrownBy(() -> host.restore(new RestoreRequest(configuration, Optional.empty(), Map.of(), false)))
        .isInstanceOf(HypervisorException.class).hasMessageContaining(domain.uuid().toString());
    host.destroy(domain);
    assertThatThrownBy(() -> restore(new DomainConfiguration("libxl", configuration.content())))
        .isInstanceOf(HypervisorException.class).hasMessageContaining("libxl");
    assertThatThrownBy(() -> restore(new DomainConfiguration("sim", configuration.content().replace("vcpus=1", ""))))
        .isInstanceOf(HypervisorException.class).hasMessageContaining("'vcpus' is missing");
    assertThatThrownBy(() -> host.restore(new RestoreRequest(configuration, Optional.empty(),
        Map.of("xvdz", scratch("z.qcow2")), false))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> host.restore(new RestoreRequest(configuration, Optional.empty(),
        Map.of("xvda", scratch("missing.qcow2")), false)))
        .isInstanceOf(HypervisorException.class).hasMessageContaining("missing.qcow2");
    assertThat(host.find(DomainSelector.byUuid(domain.uuid()))).isEmpty();
  }

  @Test
  void theConfigurationRoundTripsAnyImagePath() throws IOException {
    Path odd = Files.createDirectories(fixture.scratchDirectory().resolve("a dir=with:odd#chars!\\ and ü"));
    DomainRef domain = create("odd", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    DomainConfiguration configuration = host.configuration(domain);
    host.destroy(domain);
    Path override = odd.resolve("override.qcow2");
    images.createOverlay(override, image(domain.uuid(), "xvda.qcow2"), DiskFormat.QCOW2);
    DomainRef restored = host.restore(new RestoreRequest(configuration, Optional.empty(), Map.of("xvda", override),
        false));
    configuration = host.configuration(restored);
    host.destroy(restored);

    DomainRef again = restore(configuration);

    assertThat(host.disks(again)).extracting(d -> d.image().orElseThrow()).containsExactly(override);
  }

  @Test
  void discardRefusesAnOverlayTheDiskDoesNotUse() {
    DomainRef domain = create("d", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    host.pause(domain);

    assertThatThrownBy(() -> host.discardDiskSnapshots(domain,
        List.of(DiskSnapshotRequest.external("xvda", scratch("other.qcow2")))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> host.snapshotDisks(domain, List.of(DiskSnapshotRequest.internal("xvda", "a"),
        DiskSnapshotRequest.internal("xvda", "b")))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void internalSnapshotsNeedQcow2() {
    DomainRef domain = create("d", SimDiskSpec.qcow2("xvda", DISK_BYTES), SimDiskSpec.raw("xvdb", DISK_BYTES));
    host.pause(domain);

    assertThatThrownBy(() -> host.snapshotDisks(domain, List.of(DiskSnapshotRequest.internal("xvda", TAG),
        DiskSnapshotRequest.internal("xvdb", TAG)))).isInstanceOf(HypervisorException.class)
        .hasMessageContaining("xvdb");
    assertThat(images.info(image(domain, "xvda")).internalSnapshots()).isEmpty();
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() throws IOException {
    SimulatedHypervisor second = SimulatedHypervisor.open(fixture.hostDirectory(), images);
    second.close();
    second.close();

    assertThatThrownBy(second::listDomains).isInstanceOf(IllegalStateException.class);
    assertThat(host.listDomains()).hasSize(1);
  }

  // ---------------------------------------------------------------- image locks, as QEMU's

  @Test
  void everyDiskOfAnExistingDomainIsHeldByItsDeviceModel() {
    DomainRef domain = create("held", SimDiskSpec.qcow2("xvda", DISK_BYTES), SimDiskSpec.raw("xvdb", DISK_BYTES));

    assertThat(host.disks(domain)).extracting(DomainDisk::heldByDeviceModel).containsExactly(true, true);
  }

  @Test
  void qemuImgCannotChangeAnImageOfARunningDomainsChainButCanReadIt() {
    DomainRef domain = create("locked", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    Path base = image(domain, "xvda");
    host.pause(domain);
    Path overlay = scratch("overlay.qcow2");
    host.snapshotDisks(domain, List.of(DiskSnapshotRequest.external("xvda", overlay)));
    host.unpause(domain);

    // the manager's qemu-img, another process than this host's "QEMU"
    assertThatThrownBy(() -> images.createInternalSnapshot(overlay, TAG)).isInstanceOf(DiskImageException.class)
        .hasMessageContaining("Failed to get \"write\" lock");
    assertThatThrownBy(() -> images.createInternalSnapshot(base, TAG)).as("a backing file is read-only to others too")
        .isInstanceOf(DiskImageException.class).hasMessageContaining("Failed to get \"write\" lock");
    assertThatThrownBy(() -> images.rebase(overlay, Optional.empty(), DiskFormat.RAW))
        .isInstanceOf(DiskImageException.class).hasMessageContaining("lock");
    assertThatThrownBy(() -> images.read(overlay, DiskFormat.QCOW2, 0, 1)).as("a read that does not share write")
        .isInstanceOf(DiskImageException.class).hasMessageContaining("Failed to get shared \"write\" lock");
    assertThat(images.info(overlay).backingFile()).as("info -U shares the image").contains(base);
    assertThat(images.read(base, DiskFormat.QCOW2, 0, 1)).as("a backing file can be read").hasSize(1);
  }

  @Test
  void readingTheHeadersOfHeldImagesInThisProcessKeepsTheirLocks() {
    DomainRef domain = create("read-held", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    Path base = image(domain, "xvda");
    host.pause(domain);
    Path overlay = scratch("overlay.qcow2");
    host.snapshotDisks(domain, List.of(DiskSnapshotRequest.external("xvda", overlay)));
    host.unpause(domain);

    // QemuImg reads these plain qcow2 headers in this process, where the simulated device model holds
    // POSIX locks on the same files: a read that closed a descriptor of its own would drop them
    for (int i = 0; i < 3; i++) {
      assertThat(images.info(overlay).backingFile()).contains(base);
      assertThat(images.info(base).internalSnapshots()).isEmpty();
      assertThat(images.backingChain(overlay)).containsExactly(overlay, base);
    }

    assertThatThrownBy(() -> images.createInternalSnapshot(overlay, TAG)).as("the disk's image is still locked")
        .isInstanceOf(DiskImageException.class).hasMessageContaining("Failed to get \"write\" lock");
    assertThatThrownBy(() -> images.createInternalSnapshot(base, TAG)).as("its backing file is still locked")
        .isInstanceOf(DiskImageException.class).hasMessageContaining("Failed to get \"write\" lock");
  }

  @Test
  void theHostsOwnDiskOperationsWorkOnTheImagesItHolds() {
    DomainRef domain = create("own", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    host.writeDisk(domain, "xvda", 0, HELLO);
    host.pause(domain);
    host.snapshotDisks(domain, List.of(DiskSnapshotRequest.internal("xvda", TAG)));
    host.deleteInternalDiskSnapshot(domain, "xvda", TAG);
    host.snapshotDisks(domain, List.of(DiskSnapshotRequest.internal("xvda", TAG)));
    host.discardDiskSnapshots(domain, List.of(DiskSnapshotRequest.internal("xvda", TAG)));
    host.unpause(domain);
    host.writeDisk(domain, "xvda", HELLO.length, HELLO);

    assertThat(host.readDisk(domain, "xvda", 0, 2 * HELLO.length)).isEqualTo(Bytes.concat(HELLO, HELLO));
    assertThat(images.info(image(domain, "xvda")).internalSnapshots()).isEmpty();
    assertThatThrownBy(() -> images.createInternalSnapshot(image(domain, "xvda"), TAG))
        .as("held again after the host's own operations").isInstanceOf(DiskImageException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"paused", "suspended", "crashed"})
  void aDomainHoldsItsImagesInEveryStateUntilDestroyed(String state) throws IOException {
    DomainRef domain = create("dm-" + state, SimDiskSpec.qcow2("xvda", DISK_BYTES));
    Path disk = image(domain, "xvda");
    switch (state) {
      case "paused" -> host.pause(domain);
      case "suspended" -> host.checkpoint(domain, emptyFile("memory.img"), CheckpointMode.STOPPED);
      default -> host.crash(domain);
    }
    assertThatThrownBy(() -> images.createInternalSnapshot(disk, TAG)).isInstanceOf(DiskImageException.class)
        .hasMessageContaining("lock");

    host.destroy(domain);

    images.createInternalSnapshot(disk, TAG);
    assertThat(images.info(disk).internalSnapshots()).containsExactly(TAG);
  }

  @Test
  void theLastInstanceClosedReleasesTheLocksAndTheNextOpenTakesThemAgain() {
    DomainRef domain = create("persistent", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    Path disk = image(domain, "xvda");
    SimulatedHypervisor second = SimulatedHypervisor.open(fixture.hostDirectory(), images);
    host.close();
    assertThatThrownBy(() -> images.createInternalSnapshot(disk, TAG)).as("the second instance still holds them")
        .isInstanceOf(DiskImageException.class);

    second.close();
    images.createInternalSnapshot(disk, TAG);
    try (SimulatedHypervisor third = SimulatedHypervisor.open(fixture.hostDirectory(), images)) {
      assertThatThrownBy(() -> images.deleteInternalSnapshot(disk, TAG)).isInstanceOf(DiskImageException.class)
          .hasMessageContaining("lock");
    }
    images.deleteInternalSnapshot(disk, TAG);
  }

  @Test
  void locksADescriptorClosedInThisJvmDroppedAreTakenAgainByTheNextCall() throws IOException {
    DomainRef domain = create("fragile-locks", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    Path disk = image(domain, "xvda");
    Files.readAllBytes(disk); // POSIX: closing any descriptor of the file drops the process's locks on it
    images.createInternalSnapshot(disk, "slipped-through");

    host.find(DomainSelector.byUuid(domain.uuid()));

    assertThatThrownBy(() -> images.deleteInternalSnapshot(disk, "slipped-through"))
        .isInstanceOf(DiskImageException.class).hasMessageContaining("lock");
  }

  // ---------------------------------------------------------------- persistence

  @Test
  void aSecondInstanceOnTheDirectorySeesTheSameHost() throws IOException {
    DomainRef domain = create("shared", SimDiskSpec.qcow2("xvda", DISK_BYTES));
    host.writeMemory(domain, 0, HELLO);
    host.pause(domain);

    try (SimulatedHypervisor second = SimulatedHypervisor.open(fixture.hostDirectory(), images)) {
      assertThat(second.find(DomainSelector.byName("shared")).orElseThrow().state().paused()).isTrue();
      assertThat(second.readMemory(domain, 0, HELLO.length)).isEqualTo(HELLO);
      second.unpause(domain);
      assertThat(host.info(domain).state().paused()).isFalse();
      second.checkpoint(domain, emptyFile("memory.img"), CheckpointMode.LIVE);
      assertThat(host.info(domain).state().isSuspended()).isTrue();
      second.destroy(domain);
    }
    assertThat(host.find(DomainSelector.byName("shared"))).isEmpty();
  }

  @Test
  void twoProcessesCreatingDomainsGetDistinctDomids() throws Exception {
    int each = 15;
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Path childOutput = scratch("child.log");
    Process child = new ProcessBuilder(java.toString(), "-cp", System.getProperty("java.class.path"),
        SimHostChildProcess.class.getName(), fixture.hostDirectory().toString(), "child", Integer.toString(each))
        .redirectErrorStream(true).redirectOutput(childOutput.toFile()).start();
    for (int i = 0; i < each; i++) {
      host.createDomain(SimDomainSpec.of("parent-" + i, PAGE_SIZE));
    }

    assertThat(child.waitFor(60, SECONDS)).isTrue();
    assertThat(child.exitValue()).as(Files.readString(childOutput)).isZero();
    List<DomainInfo> domains = host.listDomains();
    assertThat(domains).hasSize(2 * each + 1);
    assertThat(domains).extracting(d -> d.ref().domid()).doesNotHaveDuplicates();
    assertThat(domains).extracting(d -> d.ref().name()).contains("parent-0", "child-0", "parent-14", "child-14");
  }

  @Test
  void aCorruptStateFileIsReportedNotGuessed() throws IOException {
    DomainRef domain = create("fragile");
    Path state = host.directory().resolve("domains").resolve(domain.uuid().toString()).resolve("domain.properties");
    Files.writeString(state, Files.readString(state).replace("domid=", "domid=x"));

    assertThatThrownBy(host::listDomains).isInstanceOf(HypervisorException.class)
        .hasMessageContaining(state.toString()).hasMessageContaining("domid");
  }

  @Test
  void aHostOfAnotherFormatVersionIsRefused() throws IOException {
    Path hostFile = fixture.hostDirectory().resolve("host.properties");
    Files.writeString(hostFile, Files.readString(hostFile).replace("format=1", "format=2"));

    assertThatThrownBy(() -> SimulatedHypervisor.open(fixture.hostDirectory(), images))
        .isInstanceOf(HypervisorException.class).hasMessageContaining("format version 2");
  }

  // ---------------------------------------------------------------- faults

  @ParameterizedTest
  @EnumSource(SimFault.class)
  void eachFaultFailsItsPrimitiveAndLeavesTheHostUnchanged(SimFault point) throws Throwable {
    DomainRef domain = create("target", SimDiskSpec.qcow2("xvda", DISK_BYTES), SimDiskSpec.qcow2("xvdb", DISK_BYTES));
    host.write(domain, new GuestWrite.Memory(0, HELLO), new GuestWrite.Disk("xvda", 0, HELLO));
    Executable call = prepareCall(point, domain);
    HostView before = observe();

    host.injectFault(point);
    assertThat(host.pendingFaults()).containsExactly(point);
    assertThatThrownBy(call::execute).isInstanceOfSatisfying(HypervisorException.class,
        e -> assertThat(e.operation()).isEqualTo(point.name()));

    assertThat(host.pendingFaults()).isEmpty();
    assertThat(observe()).isEqualTo(before);
    call.execute();
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void snapshotDisksFailingAfterTheFirstDiskLeavesNoTagOrOverlay(boolean internalFirst) {
    DomainRef domain = create("target", SimDiskSpec.qcow2("xvda", DISK_BYTES), SimDiskSpec.qcow2("xvdb", DISK_BYTES));
    List<DomainDisk> disks = host.disks(domain);
    Path overlay = scratch("overlay.qcow2");
    List<DiskSnapshotRequest> requests = new ArrayList<>(List.of(DiskSnapshotRequest.internal("xvda", TAG),
        DiskSnapshotRequest.external("xvdb", overlay)));
    if (!internalFirst) {
      Collections.reverse(requests);
    }
    host.pause(domain);
    host.injectFault(SimFault.SNAPSHOT_DISKS_AFTER_FIRST_DISK);

    assertThatThrownBy(() -> host.snapshotDisks(domain, requests)).isInstanceOf(HypervisorException.class);

    assertThat(host.disks(domain)).isEqualTo(disks);
    assertThat(images.info(image(domain, "xvda")).internalSnapshots()).isEmpty();
    assertThat(overlay).doesNotExist();
  }

  @Test
  void aFaultFiresOnTheCallAfterTheSkippedOnesAndCanBeCleared() {
    DomainRef domain = create("target");
    host.injectFault(SimFault.INFO, 2);

    host.info(domain);
    host.info(domain);
    assertThatThrownBy(() -> host.info(domain)).isInstanceOf(HypervisorException.class);
    host.info(domain);

    host.injectFault(SimFault.PAUSE);
    host.injectFault(SimFault.DESTROY);
    assertThat(host.pendingFaults()).containsExactly(SimFault.PAUSE, SimFault.DESTROY);
    try (SimulatedHypervisor second = SimulatedHypervisor.open(fixture.hostDirectory(), images)) {
      assertThat(second.pendingFaults()).as("faults are not shared").isEmpty();
    }
    host.clearFaults();
    host.pause(domain);
    assertThat(host.pendingFaults()).isEmpty();
    assertThatThrownBy(() -> host.injectFault(SimFault.PAUSE, -1)).isInstanceOf(IllegalArgumentException.class);
  }

  /** Brings the domain into the state a primitive needs and returns the call of that primitive. */
  private Executable prepareCall(SimFault point, DomainRef domain) throws IOException {
    List<DiskSnapshotRequest> requests = List.of(DiskSnapshotRequest.internal("xvda", TAG),
        DiskSnapshotRequest.external("xvdb", scratch("overlay.qcow2")));
    switch (point) {
      case LIST_DOMAINS:
        return host::listDomains;
      case FIND:
        return () -> host.find(DomainSelector.byName(domain.name()));
      case INFO:
        return () -> host.info(domain);
      case DISKS:
        return () -> host.disks(domain);
      case PAUSE:
        return () -> host.pause(domain);
      case UNPAUSE:
        host.pause(domain);
        return () -> host.unpause(domain);
      case CHECKPOINT:
        Path image = emptyFile("memory.img");
        return () -> host.checkpoint(domain, image, CheckpointMode.LIVE);
      case RESUME:
        host.checkpoint(domain, emptyFile("memory.img"), CheckpointMode.STOPPED);
        return () -> host.resume(domain);
      case SNAPSHOT_DISKS:
      case SNAPSHOT_DISKS_AFTER_FIRST_DISK:
        host.pause(domain);
        return () -> host.snapshotDisks(domain, requests);
      case DISCARD_DISK_SNAPSHOTS:
        host.pause(domain);
        host.snapshotDisks(domain, requests);
        return () -> host.discardDiskSnapshots(domain, requests);
      case DELETE_INTERNAL_DISK_SNAPSHOT:
        host.pause(domain);
        host.snapshotDisks(domain, requests.subList(0, 1));
        host.unpause(domain);
        return () -> host.deleteInternalDiskSnapshot(domain, "xvda", TAG);
      case CONFIGURATION:
        return () -> host.configuration(domain);
      case RESTORE:
        DomainConfiguration configuration = host.configuration(domain);
        host.destroy(domain);
        return () -> restore(configuration);
      case DESTROY:
        return () -> host.destroy(domain);
      case SHUTDOWN:
        return () -> host.shutdown(domain);
      default:
        throw new AssertionError("no call prepared for " + point);
    }
  }

  /**
   * What can be seen of the host: its domains, their disks and memory, the images' snapshots, backing
   * files and first page, the state files' content and the other files of the host and the scratch
   * directory.
   */
  private record HostView(List<DomainInfo> domains, Map<String, Object> details, Map<String, String> files) {}

  private HostView observe() throws IOException {
    Map<String, Object> details = new TreeMap<>();
    List<DomainInfo> domains = host.listDomains();
    for (DomainInfo domain : domains.subList(1, domains.size())) {
      List<DomainDisk> disks = host.disks(domain.ref());
      details.put(domain.ref() + " disks", disks);
      details.put(domain.ref() + " memory", ByteBuffer.wrap(host.readMemory(domain.ref(), 0,
          (int) (domain.memoryKib() * 1024))));
      for (DomainDisk disk : disks) {
        details.put(disk.image().orElseThrow().toString(), images.info(disk.image().orElseThrow()));
        details.put(disk.target() + " content", ByteBuffer.wrap(host.readDisk(domain.ref(), disk.target(), 0, PAGE_SIZE)));
      }
    }
    Map<String, String> files = new TreeMap<>();
    for (Path root : List.of(host.directory(), fixture.scratchDirectory())) {
      try (Stream<Path> walk = Files.walk(root)) {
        for (Path file : walk.filter(Files::isRegularFile).collect(Collectors.toList())) {
          files.put(file.toString(), fileSummary(file));
        }
      }
    }
    return new HostView(domains, details, files);
  }

  /**
   * Sums a file up: a state file by its content, a disk image by its existence (qcow2 images do not
   * shrink when an internal snapshot is deleted; {@link #observe} compares what they hold instead),
   * any other file by its size.
   */
  private static String fileSummary(Path file) throws IOException {
    String name = file.getFileName().toString();
    if (name.endsWith(".properties")) {
      return Files.readString(file);
    }
    return name.endsWith(".qcow2") || name.endsWith(".raw") ? "image" : Long.toString(Files.size(file));
  }

  // ---------------------------------------------------------------- helpers

  private DomainRef create(String name, SimDiskSpec... disks) {
    return host.createDomain(SimDomainSpec.of(name, MEMORY_BYTES, disks));
  }

  private DomainRef destroyAndRestore(DomainRef domain, Optional<Path> memoryImage, boolean paused) {
    DomainConfiguration configuration = host.configuration(domain);
    host.destroy(domain);
    return host.restore(new RestoreRequest(configuration, memoryImage, Map.of(), paused));
  }

  private DomainRef restore(DomainConfiguration configuration) {
    return host.restore(new RestoreRequest(configuration, Optional.empty(), Map.of(), false));
  }

  private void assertRestoreRefused(DomainConfiguration configuration, Path image, String expected) {
    UUID uuid = UUID.fromString(configuration.content().lines().filter(l -> l.startsWith("uuid="))
        .findFirst().orElseThrow().substring("uuid=".length()));

    assertThatThrownBy(() -> host.restore(new RestoreRequest(configuration, Optional.of(image), Map.of(), false)))
        .isInstanceOf(HypervisorException.class).hasMessageContaining(image.toString())
        .hasMessageContaining(expected);
    assertThat(host.find(DomainSelector.byUuid(uuid))).isEmpty();
    assertThat(host.directory().resolve("domains").resolve(uuid.toString()).resolve("memory.bin")).doesNotExist();
  }

  private Path image(DomainRef domain, String target) {
    return host.disks(domain).stream().filter(d -> d.target().equals(target)).findFirst().orElseThrow()
        .image().orElseThrow();
  }

  private Path image(UUID domain, String fileName) {
    return host.directory().resolve("domains").resolve(domain.toString()).resolve("disks").resolve(fileName);
  }

  private Path scratch(String name) {
    return fixture.scratchDirectory().resolve(name);
  }

  private Path emptyFile(String name) throws IOException {
    return Files.createFile(scratch(name));
  }

  private static long imageSizeWithEachPageOnce(int pages) {
    return 40 + (long) pages * (8 + PAGE_SIZE) + 20;
  }

  private static void awaitAtLeast(AtomicLong value, long minimum) throws InterruptedException {
    long deadline = System.nanoTime() + SECONDS.toNanos(30);
    while (value.get() < minimum) {
      assertThat(System.nanoTime()).as("waiting for %s steps", minimum).isLessThan(deadline);
      Thread.sleep(5);
    }
  }

  private static byte[] flip(byte[] bytes, int index) {
    bytes[index] ^= 1;
    return bytes;
  }

  private static byte[] putInt(byte[] bytes, int index, int value) {
    ByteBuffer.wrap(bytes).putInt(index, value);
    return bytes;
  }

  private static byte[] putLong(byte[] bytes, int index, long value) {
    ByteBuffer.wrap(bytes).putLong(index, value);
    return bytes;
  }
}
