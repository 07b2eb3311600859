package io.github.xlsnap.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainNotFoundException;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.DomainStateException;
import io.github.xlsnap.core.XlsnapException;
import io.github.xlsnap.core.disk.ImageInfo;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.RestoreRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every {@link Hypervisor} must meet, as tests: extend this class in the backend's test
 * sources and implement {@link #newFixture()}. Each test starts from a fresh fixture and a fresh
 * running domain, and fails if the behaviour its name states breaks. Test methods are public so that
 * subclasses in other packages inherit them, and a subclass may override one to add to it (say, to skip
 * with a reason what its host cannot do, through a JUnit assumption), never to weaken it.
 *
 * <pre>{@code
 * class MyHypervisorContractTest extends HypervisorContract {
 *   @Override
 *   protected HypervisorFixture newFixture() {
 *     return new MyHostFixture();   // skips (Assumptions) where the host is absent
 *   }
 * }
 * }</pre>
 *
 * <p>JUnit makes one instance per test; an instance is not for use by several threads.
 */
public abstract class HypervisorContract {
  private static final String TAG = "xlsnap-contract";

  private HypervisorFixture fixture;
  private Hypervisor hypervisor;
  private DomainRef domain;

  /** For subclasses. */
  protected HypervisorContract() {}

  /**
   * Creates the fixture for one test.
   *
   * @return a fresh fixture, which the test closes
   * @throws Exception if the backend cannot be set up
   */
  protected abstract HypervisorFixture newFixture() throws Exception;

  /**
   * Creates the fixture and starts the test's domain.
   *
   * @throws Exception if the fixture cannot be created or the domain started
   */
  @BeforeEach
  public void startDomain() throws Exception {
    fixture = newFixture();
    hypervisor = fixture.hypervisor();
    domain = fixture.startDomain();
  }

  /**
   * Closes the fixture: destroys what is left of its domains and removes its scratch directory.
   *
   * @throws Exception if cleaning up fails
   */
  @AfterEach
  public void closeFixture() throws Exception {
    fixture.close();
  }

  /**
   * {@link Hypervisor#listDomains} lists dom0 first, then the domains by domid without duplicates,
   * the test's domain among them and active.
   */
  @Test
  public void listHasDom0FirstThenTheDomainByDomid() {
    List<DomainInfo> domains = hypervisor.listDomains();

    assertThat(domains.get(0).ref().domid()).isZero();
    assertThat(domains).extracting(d -> d.ref().domid()).isSorted().doesNotHaveDuplicates();
    assertThat(domains).filteredOn(d -> d.ref().equals(domain)).singleElement()
        .satisfies(d -> assertThat(d.state().isActive()).isTrue());
  }

  /**
   * {@link Hypervisor#find} finds the domain by each kind of selector.
   */
  @Test
  public void findsTheDomainByNameUuidAndDomid() {
    for (DomainSelector selector : List.of(DomainSelector.byName(domain.name()),
        DomainSelector.byUuid(domain.uuid()), DomainSelector.byDomid(domain.domid()))) {
      assertThat(hypervisor.find(selector)).as("find %s", selector).map(DomainInfo::ref).contains(domain);
    }
  }

  /**
   * {@link Hypervisor#find} returns empty for a name, UUID or domid no domain has.
   */
  @Test
  public void findsNothingForAnUnknownNameUuidOrDomid() {
    // Far above the domids in use rather than the next one, which a domain created elsewhere on the host
    // meanwhile would take: Xen hands out domids upwards, so the highest is the last to be reached.
    Set<Integer> used = new HashSet<>();
    hypervisor.listDomains().forEach(d -> used.add(d.ref().domid()));
    int unusedDomid = DomainRef.MAX_DOMID;
    while (used.contains(unusedDomid)) {
      unusedDomid--;
    }

    assertThat(hypervisor.find(DomainSelector.byName("xlsnap-no-such-domain-" + UUID.randomUUID()))).isEmpty();
    assertThat(hypervisor.find(DomainSelector.byUuid(UUID.randomUUID()))).isEmpty();
    assertThat(hypervisor.find(DomainSelector.byDomid(unusedDomid))).isEmpty();
  }

  /**
   * {@link Hypervisor#info} of a destroyed domain throws {@link DomainNotFoundException}.
   */
  @Test
  public void infoOfADestroyedDomainThrowsNotFound() {
    hypervisor.destroy(domain);

    assertThatThrownBy(() -> hypervisor.info(domain)).isInstanceOf(DomainNotFoundException.class);
  }

  /**
   * A reference whose UUID or domid no longer match is refused with {@link DomainNotFoundException},
   * and the domain now at that domid is left alone.
   */
  @Test
  public void infoOfAStaleRefThrowsNotFound() {
    DomainRef otherUuid = new DomainRef(UUID.randomUUID(), domain.name(), domain.domid());
    DomainRef otherDomid = new DomainRef(domain.uuid(), domain.name(), domain.domid() + 1);

    assertThatThrownBy(() -> hypervisor.info(otherUuid)).isInstanceOf(DomainNotFoundException.class);
    assertThatThrownBy(() -> hypervisor.info(otherDomid)).isInstanceOf(DomainNotFoundException.class);
    assertThatThrownBy(() -> hypervisor.pause(otherUuid)).isInstanceOf(DomainNotFoundException.class);
    assertThat(state().paused()).as("the domain at that domid is left alone").isFalse();
  }

  /**
   * Pause and unpause set the state, and doing either twice changes nothing.
   */
  @Test
  public void pauseAndUnpauseSetTheStateAndAreIdempotent() {
    hypervisor.pause(domain);
    assertThat(state().paused()).isTrue();
    hypervisor.pause(domain);
    assertThat(state().paused()).isTrue();

    hypervisor.unpause(domain);
    assertThat(state().paused()).isFalse();
    assertThat(state().isActive()).isTrue();
    hypervisor.unpause(domain);
    assertThat(state().paused()).isFalse();
  }

  /**
   * A checkpoint suspends the domain into the memory image, whose size it reports (one round when
   * stopped), and a resume runs the domain again.
   *
   * @param mode the checkpoint mode
   * @throws Exception if a file cannot be made
   */
  @ParameterizedTest
  @EnumSource(CheckpointMode.class)
  public void checkpointSuspendsIntoTheImageAndResumeRunsAgain(CheckpointMode mode) throws Exception {
    Path image = emptyFile("memory.img");

    CheckpointResult result = hypervisor.checkpoint(domain, image, mode);

    assertThat(state().isSuspended()).isTrue();
    assertThat(Files.size(image)).isPositive().isEqualTo(result.bytesWritten());
    if (mode == CheckpointMode.STOPPED) {
      assertThat(result.rounds()).isEqualTo(1);
    }
    hypervisor.resume(domain);
    assertThat(state().isSuspended()).isFalse();
    assertThat(state().isActive()).isTrue();
    assertThat(state().paused()).isFalse();
  }

  /**
   * A domain paused before a checkpoint is paused again after the resume.
   *
   * @param mode the checkpoint mode
   * @throws Exception if a file cannot be made
   */
  @ParameterizedTest
  @EnumSource(CheckpointMode.class)
  public void aPausedDomainCheckpointedAndResumedIsPausedAgain(CheckpointMode mode) throws Exception {
    hypervisor.pause(domain);

    hypervisor.checkpoint(domain, emptyFile("memory.img"), mode);
    assertThat(state().isSuspended()).isTrue();
    hypervisor.resume(domain);

    assertThat(state().isSuspended()).isFalse();
    assertThat(state().paused()).isTrue();
  }

  /**
   * A checkpoint writes into the given file and keeps its permissions.
   *
   * @throws Exception if a file cannot be made
   */
  @Test
  public void checkpointKeepsTheImageFilesPermissions() throws Exception {
    Path image = emptyFile("memory.img");
    Set<PosixFilePermission> permissions = PosixFilePermissions.fromString("rw-r-----");
    Files.setPosixFilePermissions(image, permissions);

    hypervisor.checkpoint(domain, image, CheckpointMode.STOPPED);

    assertThat(Files.getPosixFilePermissions(image)).isEqualTo(permissions);
  }

  /**
   * An internal disk snapshot of a paused domain creates the tag in the qcow2 image and keeps the disk.
   */
  @Test
  public void internalDiskSnapshotCreatesTheTagInTheImage() {
    DomainDisk disk = firstQcow2Disk();
    hypervisor.pause(domain);

    hypervisor.snapshotDisks(domain, List.of(DiskSnapshotRequest.internal(disk.target(), TAG)));

    assertThat(hypervisor.disks(domain)).contains(disk);
    assertThat(inspect(disk, image(disk)).internalSnapshots()).contains(TAG);
  }

  /**
   * An external disk snapshot switches the disk to a qcow2 overlay backed by the old image.
   */
  @Test
  public void externalDiskSnapshotSwitchesTheDiskToAnOverlayOverTheOldImage() {
    DomainDisk disk = firstQcow2Disk();
    Path overlay = fixture.scratchDirectory().resolve("overlay.qcow2");
    hypervisor.pause(domain);

    hypervisor.snapshotDisks(domain, List.of(DiskSnapshotRequest.external(disk.target(), overlay)));

    DomainDisk switched = disk(disk.target());
    assertThat(switched.image()).contains(overlay);
    assertThat(switched.format()).isEqualTo(DiskFormat.QCOW2);
    assertThat(inspect(switched, overlay).backingFile()).contains(image(disk));
  }

  /**
   * Disk snapshots of a running domain are refused with {@link DomainStateException}, and nothing is
   * created.
   */
  @Test
  public void snapshotDisksIsRefusedOnARunningDomain() {
    DomainDisk disk = firstQcow2Disk();
    Path overlay = fixture.scratchDirectory().resolve("overlay.qcow2");

    assertThatThrownBy(() -> hypervisor.snapshotDisks(domain,
        List.of(DiskSnapshotRequest.external(disk.target(), overlay)))).isInstanceOf(DomainStateException.class);
    assertThat(overlay).doesNotExist();
    assertThat(hypervisor.disks(domain)).contains(disk);
  }

  /**
   * Discarding an internal disk snapshot removes the tag and leaves the disks as they were.
   */
  @Test
  public void discardingAnInternalDiskSnapshotRemovesTheTag() {
    DomainDisk disk = firstQcow2Disk();
    List<DomainDisk> before = hypervisor.disks(domain);
    List<DiskSnapshotRequest> requests = List.of(DiskSnapshotRequest.internal(disk.target(), TAG));
    hypervisor.pause(domain);
    hypervisor.snapshotDisks(domain, requests);

    hypervisor.discardDiskSnapshots(domain, requests);

    assertThat(hypervisor.disks(domain)).isEqualTo(before);
    assertThat(inspect(disk, image(disk)).internalSnapshots()).doesNotContain(TAG);
  }

  /**
   * Discarding an external disk snapshot switches the disk back to its image and deletes the overlay.
   */
  @Test
  public void discardingAnExternalDiskSnapshotSwitchesBackAndDeletesTheOverlay() {
    DomainDisk disk = firstQcow2Disk();
    List<DomainDisk> before = hypervisor.disks(domain);
    Path overlay = fixture.scratchDirectory().resolve("overlay.qcow2");
    List<DiskSnapshotRequest> requests = List.of(DiskSnapshotRequest.external(disk.target(), overlay));
    hypervisor.pause(domain);
    hypervisor.snapshotDisks(domain, requests);

    hypervisor.discardDiskSnapshots(domain, requests);

    assertThat(hypervisor.disks(domain)).isEqualTo(before);
    assertThat(overlay).doesNotExist();
  }

  /**
   * A restore from a checkpoint's memory image brings the destroyed domain back, with its UUID and
   * name, a new domid, and paused or running as asked. {@link Hypervisor#restoreProgress} tells no
   * position for the image before the restore nor after it.
   *
   * @param paused whether to restore it paused
   * @throws Exception if a file cannot be made
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  public void restoreFromTheMemoryImageBringsTheDomainBackWithANewDomid(boolean paused) throws Exception {
    Path image = emptyFile("memory.img");
    hypervisor.checkpoint(domain, image, CheckpointMode.STOPPED);
    DomainConfiguration configuration = hypervisor.configuration(domain);
    assertThat(configuration.backend()).isEqualTo(hypervisor.backendName());
    hypervisor.destroy(domain);
    assertThat(hypervisor.restoreProgress(image)).as("no read position before the restore").isEmpty();

    DomainRef restored = hypervisor.restore(new RestoreRequest(configuration, Optional.of(image), Map.of(), paused));

    assertThat(hypervisor.restoreProgress(image)).as("no read position once the restore returned").isEmpty();

    assertThat(restored.uuid()).isEqualTo(domain.uuid());
    assertThat(restored.name()).isEqualTo(domain.name());
    assertThat(restored.domid()).isNotEqualTo(domain.domid());
    DomainState state = hypervisor.info(restored).state();
    assertThat(state.isActive()).isTrue();
    assertThat(state.paused()).isEqualTo(paused);
    assertThat(hypervisor.find(DomainSelector.byUuid(domain.uuid()))).map(DomainInfo::ref).contains(restored);
  }

  /**
   * A restore with a disk override attaches the given image to that disk.
   *
   * @throws Exception if the overlay cannot be made
   */
  @Test
  public void restoreWithADiskOverrideUsesThatImage() throws Exception {
    DomainDisk disk = firstQcow2Disk();
    DomainConfiguration configuration = hypervisor.configuration(domain);
    hypervisor.destroy(domain);
    Path override = fixture.scratchDirectory().resolve("override.qcow2");
    fixture.images().createOverlay(override, image(disk), disk.format());

    DomainRef restored = hypervisor.restore(
        new RestoreRequest(configuration, Optional.empty(), Map.of(disk.target(), override), true));

    assertThat(hypervisor.disks(restored)).filteredOn(d -> d.target().equals(disk.target())).singleElement()
        .satisfies(d -> assertThat(d.image()).contains(override));
  }

  /**
   * A restore from a missing memory image fails with an {@link XlsnapException} and leaves no domain
   * behind.
   */
  @Test
  public void restoreWithAMissingMemoryImageFailsAndLeavesNoDomain() {
    DomainConfiguration configuration = hypervisor.configuration(domain);
    hypervisor.destroy(domain);
    Path missing = fixture.scratchDirectory().resolve("missing.img");

    assertThatThrownBy(() -> hypervisor.restore(
        new RestoreRequest(configuration, Optional.of(missing), Map.of(), false))).isInstanceOf(XlsnapException.class);
    assertThat(hypervisor.find(DomainSelector.byUuid(domain.uuid()))).isEmpty();
    assertThat(hypervisor.find(DomainSelector.byName(domain.name()))).isEmpty();
  }

  /**
   * Destroy removes the domain and keeps its disk images.
   */
  @Test
  public void destroyRemovesTheDomainButNotItsDiskImages() {
    List<DomainDisk> disks = hypervisor.disks(domain);

    hypervisor.destroy(domain);

    assertThat(hypervisor.find(DomainSelector.byUuid(domain.uuid()))).isEmpty();
    assertThat(hypervisor.listDomains()).noneMatch(d -> d.ref().uuid().equals(domain.uuid()));
    assertThat(disks).allSatisfy(d -> assertThat(image(d)).exists());
  }

  private DomainState state() {
    return hypervisor.info(domain).state();
  }

  private DomainDisk firstQcow2Disk() {
    return hypervisor.disks(domain).stream()
        .filter(d -> d.format() == DiskFormat.QCOW2 && d.image().isPresent()).findFirst()
        .orElseThrow(() -> new AssertionError("the fixture's domain has no qcow2 disk"));
  }

  private DomainDisk disk(String target) {
    return hypervisor.disks(domain).stream().filter(d -> d.target().equals(target)).findFirst().orElseThrow();
  }

  private static Path image(DomainDisk disk) {
    return disk.image().orElseThrow();
  }

  private Path emptyFile(String name) throws Exception {
    return Files.createFile(fixture.scratchDirectory().resolve(name));
  }

  /**
   * Describes an image with the disk image tool. An image the device model holds may not be opened
   * by {@code qemu-img}, so the domain is destroyed first; the test must not use it afterwards.
   */
  private ImageInfo inspect(DomainDisk disk, Path image) {
    if (disk.heldByDeviceModel()) {
      hypervisor.destroy(domain);
    }
    return fixture.images().info(image);
  }
}
