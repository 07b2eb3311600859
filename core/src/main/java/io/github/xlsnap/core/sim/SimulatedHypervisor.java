package io.github.xlsnap.core.sim;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkState;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainNotFoundException;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.DomainStateException;
import io.github.xlsnap.core.HypervisorException;
import io.github.xlsnap.core.ShutdownReason;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.ImageInfo;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.RestoreRequest;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simulated Xen host: a real {@link Hypervisor} whose guests are simulated, for embedders' tests
 * and demos, like libvirt's {@code test:///default} or JGit's in-memory repository. Its guests have a
 * memory of bytes and real disk images (qcow2 or raw, changed through {@link DiskImages}); the test
 * plays the guest with {@link #write} and looks at it with {@link #readMemory} and {@link #readDisk}.
 *
 * <pre>{@code
 * try (SimulatedHypervisor host = SimulatedHypervisor.open(dir)) {
 *   DomainRef web = host.createDomain(SimDomainSpec.of("web", 1 << 20, SimDiskSpec.qcow2("xvda", 1 << 20)));
 *   host.write(web, new GuestWrite.Memory(0, counter), new GuestWrite.Disk("xvda", 0, counter));
 *   // ... run the code under test against host, as any Hypervisor
 * }
 * }</pre>
 *
 * <p><b>Persistence.</b> The host is a directory (layout in the {@linkplain io.github.xlsnap.core.sim
 * package description}): every instance open on it, in this process or another, sees the same
 * domains. Each call holds the directory's lock (a fair in-process lock and an OS file lock) for its
 * duration, and state files are replaced atomically, so concurrent processes never corrupt it.
 * Armed faults ({@link #injectFault}) belong to one instance and are not persisted.
 *
 * <p><b>Domains.</b> {@value #DOM0_NAME} (domid 0, the nil UUID) is always listed; it has no disks
 * and cannot be paused, checkpointed, snapshotted, configured, destroyed or shut down
 * ({@link DomainStateException}). A guest domain is running, or paused; a checkpoint leaves it
 * suspended (shut down with reason suspend) until {@link #resume}; the paused flag is independent of
 * suspension, as in Xen. {@link #destroy} and {@link #shutdown} (the simulated guest obeys at once, as
 * with {@code on_poweroff=destroy}) make it disappear: its memory and state are deleted, its disk
 * images never, for they are user data. The guest itself may {@link #crash} or {@link #powerOff}, as
 * with {@code on_crash="preserve"} / {@code on_poweroff="preserve"}: the domain then stays, shut down
 * with reason crash or poweroff, inactive but readable, until it is destroyed. A guest step ({@link #write}) is possible only while the
 * domain runs; reads are possible in any state.
 *
 * <p><b>Disks are held as QEMU holds them.</b> While a domain exists, in any state (running, paused,
 * suspended, or crashed and preserved: Xen's device model runs until the domain is destroyed), its
 * simulated device model holds every image of its disks' backing chains, and
 * {@link DomainDisk#heldByDeviceModel()} is true for each disk. The images are locked as QEMU 7.2
 * locks them (byte-range locks on bytes 100 + <i>n</i> and 200 + <i>n</i> of the file, see
 * {@code raw_apply_lock_bytes} in QEMU's {@code block/file-posix.c}), so a {@code qemu-img} run by
 * anyone else fails as it would next to a real QEMU: a disk's image cannot be opened for writing or
 * read without {@code -U} ({@code Failed to get "write" lock}), a backing file cannot be written but
 * can be read. Only the hypervisor itself changes a held image ({@link #snapshotDisks},
 * {@link #discardDiskSnapshots}, {@link #deleteInternalDiskSnapshot}, guest writes). The locks are
 * released when the domain is destroyed (or shut down) and when the last instance open on the host
 * directory in this process is closed. They are this process's locks: every process that has the
 * host open holds them for every domain, and a host's own disk operations lift only its own process's
 * locks, so a guest write or disk snapshot fails while another process has the same host open.
 * Record locks belong to the process: a descriptor of an image opened and closed elsewhere in this JVM
 * drops them, and the next call of this host takes them again.
 *
 * <p><b>Threads.</b> Thread-safe. Calls wait for each other on the host lock, except that a live
 * {@link #checkpoint} lets guest steps run between its chunks of copying. {@link #close} is
 * idempotent; further calls throw {@link IllegalStateException}; returned values stay valid.
 */
public final class SimulatedHypervisor implements Hypervisor {
  /** The backend's name, {@value}, as {@link #backendName()} and {@link DomainConfiguration#backend()} give it. */
  public static final String BACKEND_NAME = "sim";
  /** The size of a guest memory page, in bytes: the unit a checkpoint copies. */
  public static final int PAGE_SIZE = 4096;
  /** The name of domain 0. */
  public static final String DOM0_NAME = "Domain-0";
  /** The UUID of domain 0, the nil UUID. */
  public static final UUID DOM0_UUID = new UUID(0, 0);

  private static final Logger LOG = LoggerFactory.getLogger(SimulatedHypervisor.class);
  private static final String CONFIGURATION_FORMAT = "1";
  /** What domain 0 reports: 1 GiB of memory, one vcpu; it runs no simulated guest. */
  private static final DomainInfo DOM0_INFO =
      new DomainInfo(new DomainRef(DOM0_UUID, DOM0_NAME, 0), DomainState.RUNNING, 1 << 20, 1, Duration.ZERO);

  private final HostDirectory host;
  private final DiskImages images;
  private final FaultInjector faults = new FaultInjector();
  private final AtomicBoolean closed = new AtomicBoolean();
  /** The memory images restores are reading, by absolute path, with how far each has read. */
  private final Map<Path, AtomicLong> restoring = new ConcurrentHashMap<>();

  private SimulatedHypervisor(HostDirectory host, DiskImages images) {
    this.host = host;
    this.images = new DeviceModelImages(images, DeviceModelLocks.JVM);
  }

  /**
   * Opens the simulated host kept in a directory, creating it (empty but for {@value #DOM0_NAME}) if
   * it does not exist.
   *
   * @param directory the host's directory
   * @param images the disk image operations for the domains' disks; shared, not closed by this host
   * @return the host; the caller closes it
   * @throws HypervisorException if the directory cannot be created or holds invalid state
   */
  public static SimulatedHypervisor open(Path directory, DiskImages images) {
    requireNonNull(directory, "directory");
    requireNonNull(images, "images");
    SimulatedHypervisor hypervisor = new SimulatedHypervisor(HostDirectory.open(directory), images);
    DeviceModelLocks.JVM.open(hypervisor.host.root());
    try {
      hypervisor.locked("open", () -> null); // takes the locks of the domains that exist
    } catch (RuntimeException e) {
      hypervisor.close();
      throw e;
    }
    LOG.debug("opened simulated host {}", hypervisor.host.root());
    return hypervisor;
  }

  /**
   * Opens the simulated host kept in a directory, with disks handled by the installed
   * {@code qemu-img} ({@link QemuImg#system()}).
   *
   * @param directory the host's directory
   * @return the host; the caller closes it
   * @throws HypervisorException if the directory cannot be created or holds invalid state
   */
  public static SimulatedHypervisor open(Path directory) {
    return open(directory, QemuImg.system());
  }

  /**
   * Returns the host's directory.
   *
   * @return its real path
   */
  public Path directory() {
    return host.root();
  }

  // ---------------------------------------------------------------- creating domains and guest I/O

  /**
   * Creates a domain, as {@code xl create} would: its disk images, new and empty, under its directory
   * ({@code domains/UUID/disks/TARGET.FORMAT}), its memory zero-filled, and the next free domid. On
   * failure nothing is left behind.
   *
   * @param spec the domain
   * @return the new domain
   * @throws HypervisorException if the name or UUID is taken, or a disk image exists already (as after
   *     a domain with this UUID was destroyed)
   */
  public DomainRef createDomain(SimDomainSpec spec) {
    requireNonNull(spec, "spec");
    String operation = "createDomain";
    UUID uuid = spec.uuid().orElseGet(UUID::randomUUID);
    return locked(operation, () -> {
      requireFree(operation, uuid, spec.name());
      List<SimDisk> disks = new ArrayList<>();
      for (SimDiskSpec disk : spec.disks()) {
        Path image = host.diskImage(uuid, disk.target(), disk.format());
        if (Files.exists(image)) {
          throw new HypervisorException(operation, 0, "disk " + disk.target() + " of " + spec.name() + ": image "
              + image + " exists already (left by a destroyed domain with this UUID?)", null);
        }
        disks.add(new SimDisk(disk.target(), disk.format(), image, disk.sizeBytes()));
      }
      DomainConfig config = new DomainConfig(spec.name(), uuid, spec.memoryBytes(), spec.vcpus(), disks);
      List<Path> created = new ArrayList<>();
      try {
        Files.createDirectories(host.domainDirectory(uuid).resolve("disks"));
        for (SimDisk disk : disks) {
          images.create(disk.image(), disk.format(), disk.virtualSize());
          created.add(disk.image());
        }
        GuestMemory.createZeroed(host.memoryFile(uuid), config.memoryBytes());
        DomainRecord domain = new DomainRecord(config, host.allocateDomid(usedDomids()), spec.paused(), false);
        host.save(domain);
        LOG.info("created {} with {} bytes of memory and disks {}", domain.ref(), config.memoryBytes(),
            disks.stream().map(SimDisk::target).collect(Collectors.toList()));
        return domain.ref();
      } catch (IOException | RuntimeException e) {
        removeHalfCreated(uuid, created, e);
        throw e;
      }
    });
  }

  /**
   * Reads the guest's memory, in any state.
   *
   * @param domain the domain
   * @param offset the byte offset
   * @param length how many bytes
   * @return the bytes
   * @throws IllegalArgumentException if the range is not within the domain's memory
   * @throws DomainNotFoundException if the domain no longer exists
   */
  public byte[] readMemory(DomainRef domain, long offset, int length) {
    requireNonNull(domain, "domain");
    String operation = "readMemory";
    return locked(operation, () -> {
      DomainRecord record = host.requireGuest(domain, operation);
      checkRange(offset, length, record.config().memoryBytes(), "memory of " + domain);
      return GuestMemory.read(host.memoryFile(domain.uuid()), offset, length);
    });
  }

  /**
   * Reads one of the guest's disks, through the image the disk uses now (after an external snapshot,
   * the overlay), in any state.
   *
   * @param domain the domain
   * @param target the disk
   * @param offset the byte offset
   * @param length how many bytes
   * @return the bytes
   * @throws IllegalArgumentException if the domain has no such disk or the range is not within it
   * @throws DomainNotFoundException if the domain no longer exists
   */
  public byte[] readDisk(DomainRef domain, String target, long offset, int length) {
    requireNonNull(domain, "domain");
    requireNonNull(target, "target");
    String operation = "readDisk";
    return locked(operation, () -> {
      SimDisk disk = host.requireGuest(domain, operation).disk(target);
      checkRange(offset, length, disk.virtualSize(), "disk " + target + " of " + domain);
      return images.read(disk.image(), disk.format(), offset, length);
    });
  }

  /**
   * Makes one guest step: all the writes, in order, as one unit that no pause, checkpoint or other
   * step observes half done. Disk writes go to the images the disks use now.
   *
   * @param domain the running domain
   * @param writes the writes, at least one
   * @throws IllegalArgumentException if a write is outside the memory or disk, or names no disk
   * @throws DomainStateException if the domain is paused or suspended (then nothing is written)
   * @throws DomainNotFoundException if the domain no longer exists
   */
  public void write(DomainRef domain, GuestWrite... writes) {
    requireNonNull(domain, "domain");
    List<GuestWrite> step = List.of(writes);
    checkArgument(!step.isEmpty(), "a guest step needs at least one write");
    String operation = "write";
    locked(operation, () -> {
      DomainRecord record = host.requireGuest(domain, operation);
      if (!record.isRunning()) {
        throw new DomainStateException("domain " + domain + " does not run, so its guest cannot write",
            record.state());
      }
      for (GuestWrite write : step) {
        if (write instanceof GuestWrite.Disk disk) {
          checkRange(disk.offset(), disk.data().length, record.disk(disk.target()).virtualSize(),
              "disk " + disk.target() + " of " + domain);
        } else {
          checkRange(write.offset(), write.data().length, record.config().memoryBytes(), "memory of " + domain);
        }
      }
      for (GuestWrite write : step) {
        byte[] data = write.data();
        if (write instanceof GuestWrite.Disk diskWrite) {
          SimDisk disk = record.disk(diskWrite.target());
          images.write(disk.image(), disk.format(), diskWrite.offset(), data);
        } else {
          GuestMemory.write(host.memoryFile(domain.uuid()), write.offset(), data);
          GuestMemory.markDirty(host.dirtyPageLog(domain.uuid()), write.offset(), data.length,
              record.config().pageCount());
        }
      }
      return null;
    });
  }

  /**
   * Makes the guest crash, as a kernel panic would, on a domain configured with
   * {@code on_crash="preserve"}: the domain stays, shut down with reason
   * {@link ShutdownReason#CRASH} ({@code xl list} shows {@code ----c-}), with its memory and disks
   * kept for inspection ({@link #readMemory}, {@link #readDisk}, {@link #configuration}) until
   * {@link #destroy}. It no longer runs: guest steps,
   * checkpoints, disk snapshots and {@link #resume} are refused.
   *
   * @param domain the running domain
   * @throws DomainStateException if the domain is paused, suspended or already shut down (its guest
   *     cannot act), or is {@value #DOM0_NAME}
   * @throws DomainNotFoundException if the domain no longer exists
   */
  public void crash(DomainRef domain) {
    preserveAfterGuestShutdown(domain, ShutdownReason.CRASH, "crash");
  }

  /**
   * Makes the guest power itself off, as {@code poweroff} inside it would, on a domain configured
   * with {@code on_poweroff="preserve"}: the domain stays, shut down with reason
   * {@link ShutdownReason#POWEROFF}, with its memory and disks kept until
   * {@link #destroy}, as after {@link #crash}. (A {@link #shutdown} request from outside instead
   * simulates {@code on_poweroff="destroy"}, the default: the domain disappears.)
   *
   * @param domain the running domain
   * @throws DomainStateException if the domain is paused, suspended or already shut down (its guest
   *     cannot act), or is {@value #DOM0_NAME}
   * @throws DomainNotFoundException if the domain no longer exists
   */
  public void powerOff(DomainRef domain) {
    preserveAfterGuestShutdown(domain, ShutdownReason.POWEROFF, "powerOff");
  }

  private void preserveAfterGuestShutdown(DomainRef domain, ShutdownReason reason,
      String operation) {
    requireNonNull(domain, "domain");
    locked(operation, () -> {
      DomainRecord record = host.requireGuest(domain, operation);
      if (!record.isRunning()) {
        throw new DomainStateException("domain " + domain + " does not run, so its guest cannot " + operation,
            record.state());
      }
      host.save(record.withPreserved(reason));
      LOG.info("guest of {} shut down ({}); the domain is preserved", domain, reason);
      return null;
    });
  }

  /**
   * Makes a guest step that writes memory only: {@code write(domain, new GuestWrite.Memory(offset, data))}.
   *
   * @param domain the running domain
   * @param offset the byte offset in memory
   * @param data the bytes
   */
  public void writeMemory(DomainRef domain, long offset, byte[] data) {
    write(domain, new GuestWrite.Memory(offset, data));
  }

  /**
   * Makes a guest step that writes one disk only:
   * {@code write(domain, new GuestWrite.Disk(target, offset, data))}.
   *
   * @param domain the running domain
   * @param target the disk
   * @param offset the byte offset on the disk
   * @param data the bytes
   */
  public void writeDisk(DomainRef domain, String target, long offset, byte[] data) {
    write(domain, new GuestWrite.Disk(target, offset, data));
  }

  // ---------------------------------------------------------------- fault injection

  /**
   * Makes the next call reaching a fault point fail with a {@link HypervisorException} whose
   * operation is the point's name.
   *
   * @param point where to fail
   */
  public void injectFault(SimFault point) {
    injectFault(point, 0);
  }

  /**
   * Makes a later call reaching a fault point fail: {@code skipCalls} calls pass, the next one fails
   * with a {@link HypervisorException} whose operation is the point's name. Replaces a fault armed on
   * the same point.
   *
   * @param point where to fail
   * @param skipCalls how many calls pass first, not negative
   */
  public void injectFault(SimFault point, int skipCalls) {
    faults.arm(point, skipCalls);
  }

  /** Disarms every fault. */
  public void clearFaults() {
    faults.clear();
  }

  /**
   * Returns the points with a fault armed that has not fired yet.
   *
   * @return the points, in declaration order
   */
  public Set<SimFault> pendingFaults() {
    return faults.pending();
  }

  // ---------------------------------------------------------------- Hypervisor

  @Override
  public String backendName() {
    return BACKEND_NAME;
  }

  @Override
  public List<DomainInfo> listDomains() {
    faults.check(SimFault.LIST_DOMAINS);
    return locked("listDomains", () -> Stream.concat(Stream.of(DOM0_INFO),
        host.loadAll().stream().map(DomainRecord::info)).collect(Collectors.toUnmodifiableList()));
  }

  @Override
  public Optional<DomainInfo> find(DomainSelector selector) {
    requireNonNull(selector, "selector");
    faults.check(SimFault.FIND);
    if (dom0Matches(selector)) {
      return Optional.of(DOM0_INFO);
    }
    return locked("find", () -> {
      if (selector instanceof DomainSelector.ByUuid byUuid) {
        return host.load(byUuid.uuid()).map(DomainRecord::info);
      }
      return host.loadAll().stream().filter(d -> selector instanceof DomainSelector.ByName byName
              ? d.config().name().equals(byName.name())
              : d.domid() == ((DomainSelector.ByDomid) selector).domid())
          .findFirst().map(DomainRecord::info);
    });
  }

  @Override
  public DomainInfo info(DomainRef domain) {
    requireNonNull(domain, "domain");
    faults.check(SimFault.INFO);
    if (isDom0(domain)) {
      return DOM0_INFO;
    }
    return locked("info", () -> host.requireGuest(domain, "info").info());
  }

  @Override
  public List<DomainDisk> disks(DomainRef domain) {
    requireNonNull(domain, "domain");
    faults.check(SimFault.DISKS);
    if (isDom0(domain)) {
      return List.of();
    }
    return locked("disks", () -> host.requireGuest(domain, "disks").config().disks().stream()
        .map(SimDisk::toDomainDisk).collect(Collectors.toUnmodifiableList()));
  }

  @Override
  public void pause(DomainRef domain) {
    requireNonNull(domain, "domain");
    faults.check(SimFault.PAUSE);
    setPaused("pause", domain, true);
  }

  @Override
  public void unpause(DomainRef domain) {
    requireNonNull(domain, "domain");
    faults.check(SimFault.UNPAUSE);
    setPaused("unpause", domain, false);
  }

  /**
   * {@inheritDoc}
   *
   * <p>The image is in the simulated host's own format, described in the
   * {@linkplain io.github.xlsnap.core.sim package description}. A live checkpoint copies memory in
   * pre-copy rounds while guest steps go on, then stops the guest for a final round; a checkpoint of a
   * paused domain, or a stopped one, is a single round under the host lock.
   *
   * @throws DomainStateException if the domain is already suspended or has shut down (crashed or
   *     powered off, see {@link #crash}), or is {@value #DOM0_NAME}
   * @throws HypervisorException if the image file does not exist or cannot be written
   */
  @Override
  public CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode) {
    requireNonNull(domain, "domain");
    requireNonNull(memoryImage, "memoryImage");
    requireNonNull(mode, "mode");
    faults.check(SimFault.CHECKPOINT);
    checkOpen();
    return new Checkpointer(host, domain, memoryImage).run(mode);
  }

  /**
   * {@inheritDoc}
   *
   * @throws DomainStateException if the domain is not suspended
   */
  @Override
  public void resume(DomainRef domain) {
    requireNonNull(domain, "domain");
    faults.check(SimFault.RESUME);
    String operation = "resume";
    locked(operation, () -> {
      DomainRecord record = host.requireGuest(domain, operation);
      if (!record.suspended()) {
        throw new DomainStateException("domain " + domain + " is not suspended", record.state());
      }
      host.save(record.withSuspended(false));
      LOG.info("resumed {}", domain);
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Internal snapshots are taken with {@link DiskImages#createInternalSnapshot} on the disk's current
   * image, which must be qcow2; overlays are created with {@link DiskImages#createOverlay} and become
   * the disk's image (qcow2).
   *
   * @throws DomainStateException if the domain is neither paused nor suspended
   * @throws IllegalArgumentException if a request names a disk the domain lacks, or a disk twice
   * @throws HypervisorException if an internal snapshot is requested on a disk that is not qcow2
   */
  @Override
  public void snapshotDisks(DomainRef domain, List<DiskSnapshotRequest> requests) {
    requireNonNull(domain, "domain");
    List<DiskSnapshotRequest> todo = List.copyOf(requests);
    faults.check(SimFault.SNAPSHOT_DISKS);
    String operation = "snapshotDisks";
    locked(operation, () -> {
      DomainRecord record = requireStopped(domain, operation);
      List<SimDisk> before = checkRequests(record, todo);
      List<SimDisk> after = new ArrayList<>(record.config().disks());
      for (int i = 0; i < todo.size(); i++) {
        if (before.get(i).format() != DiskFormat.QCOW2 && todo.get(i).mode() == DiskSnapshotMode.INTERNAL) {
          throw new HypervisorException(operation, 0, "disk " + before.get(i).target() + " of " + domain + " is "
              + before.get(i).format().xlName() + "; an internal snapshot needs qcow2", null);
        }
      }
      List<DiskSnapshotRequest> done = new ArrayList<>();
      try {
        for (int i = 0; i < todo.size(); i++) {
          DiskSnapshotRequest request = todo.get(i);
          SimDisk disk = before.get(i);
          if (request.mode() == DiskSnapshotMode.INTERNAL) {
            images.createInternalSnapshot(disk.image(), request.tag().orElseThrow());
          } else {
            Path overlay = request.overlay().orElseThrow();
            images.createOverlay(overlay, disk.image(), disk.format());
            after.set(after.indexOf(disk), disk.withImage(overlay, DiskFormat.QCOW2));
          }
          done.add(request);
          if (done.size() == 1) {
            faults.check(SimFault.SNAPSHOT_DISKS_AFTER_FIRST_DISK);
          }
        }
        host.save(record.withDisks(after));
      } catch (IOException | RuntimeException e) {
        undoDiskSnapshots(domain, done, before, e);
        throw e;
      }
      LOG.info("snapshotted disks of {}: {}", domain, todo);
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The domain's state is switched back to the overlays' backing images first; then the internal
   * snapshots and the overlays are deleted. If a deletion fails, the others are still tried and the
   * first failure is thrown.
   *
   * @throws DomainStateException if the domain is neither paused nor suspended
   * @throws IllegalArgumentException if a request names a disk the domain lacks, or an overlay the disk
   *     does not use
   */
  @Override
  public void discardDiskSnapshots(DomainRef domain, List<DiskSnapshotRequest> requests) {
    requireNonNull(domain, "domain");
    List<DiskSnapshotRequest> todo = List.copyOf(requests);
    faults.check(SimFault.DISCARD_DISK_SNAPSHOTS);
    String operation = "discardDiskSnapshots";
    locked(operation, () -> {
      DomainRecord record = requireStopped(domain, operation);
      List<SimDisk> current = checkRequests(record, todo);
      List<SimDisk> after = new ArrayList<>(record.config().disks());
      for (int i = 0; i < todo.size(); i++) {
        DiskSnapshotRequest request = todo.get(i);
        SimDisk disk = current.get(i);
        if (request.mode() == DiskSnapshotMode.EXTERNAL) {
          checkArgument(disk.image().equals(request.overlay().orElseThrow()), "disk %s of %s uses %s, not the "
              + "overlay %s", disk.target(), domain, disk.image(), request.overlay().orElseThrow());
          after.set(after.indexOf(disk), backingOf(operation, disk));
        }
      }
      host.save(record.withDisks(after));
      List<RuntimeException> failures = new ArrayList<>();
      for (int i = 0; i < todo.size(); i++) {
        try {
          removeDiskSnapshot(todo.get(i), current.get(i).image());
        } catch (IOException e) {
          failures.add(new HypervisorException(operation, 0, "cannot delete " + todo.get(i).overlay().orElseThrow()
              + ": " + e, e));
        } catch (RuntimeException e) {
          failures.add(e);
        }
      }
      throwFirst(failures);
      LOG.info("discarded disk snapshots of {}: {}", domain, todo);
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The simulated device model deletes it from the disk's current image (with
   * {@link DiskImages#deleteInternalSnapshot}, its own image locks lifted meanwhile), in any state of
   * the domain.
   *
   * @throws IllegalArgumentException if the domain has no such disk
   */
  @Override
  public void deleteInternalDiskSnapshot(DomainRef domain, String target, String tag) {
    requireNonNull(domain, "domain");
    requireNonNull(target, "target");
    requireNonNull(tag, "tag");
    faults.check(SimFault.DELETE_INTERNAL_DISK_SNAPSHOT);
    String operation = "deleteInternalDiskSnapshot";
    locked(operation, () -> {
      images.deleteInternalSnapshot(host.requireGuest(domain, operation).disk(target).image(), tag);
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The content is {@code key=value} text: the name, UUID, memory size, vcpus, and each disk's
   * target, format, image and size.
   */
  @Override
  public DomainConfiguration configuration(DomainRef domain) {
    requireNonNull(domain, "domain");
    faults.check(SimFault.CONFIGURATION);
    String operation = "configuration";
    return locked(operation, () -> {
      Map<String, String> entries = new LinkedHashMap<>();
      entries.put("format", CONFIGURATION_FORMAT);
      host.requireGuest(domain, operation).config().putEntries(entries);
      return new DomainConfiguration(BACKEND_NAME,
          PropertiesText.format("xlsnap simulated domain configuration", entries));
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Compares the entries of the two texts (name, memory size, vcpus, each disk's target and size),
   * ignoring the disks' images and their formats, which follow the images; a text that is not this
   * backend's is one change.
   */
  @Override
  public List<String> configurationChanges(DomainConfiguration then, DomainConfiguration now) {
    requireNonNull(then, "then");
    requireNonNull(now, "now");
    if (!then.backend().equals(BACKEND_NAME) || !now.backend().equals(BACKEND_NAME)) {
      return Hypervisor.super.configurationChanges(then, now);
    }
    java.util.SortedMap<String, String> a = PropertiesText.parse(then.content()).entries();
    java.util.SortedMap<String, String> b = PropertiesText.parse(now.content()).entries();
    // an external snapshot gives a disk a new image, whose format may differ: both follow the image
    java.util.function.Predicate<String> compared =
        k -> !(k.startsWith("disk.") && (k.endsWith(".image") || k.endsWith(".format")));
    List<String> changes = new ArrayList<>();
    java.util.SortedSet<String> keys = new java.util.TreeSet<>(a.keySet());
    keys.addAll(b.keySet());
    for (String k : keys) {
      if (compared.test(k) && !java.util.Objects.equals(a.get(k), b.get(k))) {
        changes.add(k + ": " + (a.containsKey(k) ? a.get(k) : "(none)") + " then, "
            + (b.containsKey(k) ? b.get(k) : "(none)") + " now");
      }
    }
    return List.copyOf(changes);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Each disk's image (the override, if given) must exist; its format and size are read from the
   * image. A memory image must be one this host's {@link #checkpoint} wrote for the same UUID and
   * memory size; without one the domain boots with zeroed memory.
   *
   * @throws HypervisorException if the configuration is not this backend's or is malformed, a domain
   *     with the UUID or name exists, an image is missing, or the memory image is corrupt or not this
   *     domain's (the message names the file and what is wrong)
   * @throws IllegalArgumentException if a disk override names a disk the configuration lacks
   */
  @Override
  public DomainRef restore(RestoreRequest request) {
    requireNonNull(request, "request");
    faults.check(SimFault.RESTORE);
    String operation = "restore";
    DomainConfig config = parseConfiguration(request.configuration());
    for (String target : request.diskImages().keySet()) {
      checkArgument(config.disks().stream().anyMatch(d -> d.target().equals(target)),
          "restore: domain %s has no disk %s to override", config.name(), target);
    }
    return locked(operation, () -> {
      requireFree(operation, config.uuid(), config.name());
      List<SimDisk> disks = new ArrayList<>();
      for (SimDisk disk : config.disks()) {
        disks.add(restoredDisk(config, disk, Optional.ofNullable(request.diskImages().get(disk.target()))));
      }
      Optional<Path> memoryImage = request.memoryImage();
      if (memoryImage.isPresent() && !Files.isRegularFile(memoryImage.get())) {
        throw new HypervisorException(operation, 0, "memory image " + memoryImage.get() + " does not exist", null);
      }
      Path directory = host.domainDirectory(config.uuid());
      boolean createdDirectory = !Files.isDirectory(directory);
      Path memory = host.memoryFile(config.uuid());
      try {
        Files.createDirectories(directory);
        GuestMemory.createZeroed(memory, config.memoryBytes());
        if (memoryImage.isPresent()) {
          Path key = progressKey(memoryImage.get());
          AtomicLong position = new AtomicLong();
          restoring.put(key, position);
          try (FileChannel out = FileChannel.open(memory, StandardOpenOption.WRITE)) {
            MemoryImage.replay(memoryImage.get(), config.uuid(), config.memoryBytes(),
                (index, page) -> GuestMemory.writePage(out, index, page), position);
          } finally {
            restoring.remove(key, position);
          }
        }
        DomainRecord domain = new DomainRecord(config.withDisks(disks), host.allocateDomid(usedDomids()),
            request.paused(), false);
        host.save(domain);
        LOG.info("restored {} from {}, {}", domain.ref(), memoryImage.map(Path::toString).orElse("its disks"),
            request.paused() ? "paused" : "running");
        return domain.ref();
      } catch (IOException | RuntimeException e) {
        deleteAfterFailure(memory, e);
        if (createdDirectory) {
          deleteAfterFailure(directory, e);
        }
        throw e;
      }
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The bytes of the memory image a restore on this host has read so far, from a counter its
   * reader updates after each page record.
   */
  @Override
  public OptionalLong restoreProgress(Path memoryImage) {
    requireNonNull(memoryImage, "memoryImage");
    AtomicLong position = restoring.get(progressKey(memoryImage));
    return position == null ? OptionalLong.empty() : OptionalLong.of(position.get());
  }

  private static Path progressKey(Path memoryImage) {
    return memoryImage.toAbsolutePath().normalize();
  }

  @Override
  public void destroy(DomainRef domain) {
    requireNonNull(domain, "domain");
    faults.check(SimFault.DESTROY);
    String operation = "destroy";
    locked(operation, () -> {
      host.requireGuest(domain, operation);
      host.deleteInstance(domain.uuid());
      LOG.info("destroyed {}", domain);
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>The simulated guest obeys at once: the domain disappears as after {@link #destroy}. A paused or
   * suspended guest could not act on the request, so it is refused.
   *
   * @throws DomainStateException if the domain is paused or suspended, or is {@value #DOM0_NAME}
   */
  @Override
  public void shutdown(DomainRef domain) {
    requireNonNull(domain, "domain");
    faults.check(SimFault.SHUTDOWN);
    String operation = "shutdown";
    locked(operation, () -> {
      DomainRecord record = host.requireGuest(domain, operation);
      if (!record.isRunning()) {
        throw new DomainStateException("domain " + domain + " does not run, so it cannot act on a shutdown "
            + "request", record.state());
      }
      host.deleteInstance(domain.uuid());
      LOG.info("shut down {}", domain);
      return null;
    });
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      DeviceModelLocks.JVM.close(host.root());
      host.close();
      LOG.debug("closed simulated host {}", host.root());
    }
  }

  @Override
  public String toString() {
    return "SimulatedHypervisor[" + host.root() + "]";
  }

  // ---------------------------------------------------------------- helpers

  private <T> T locked(String operation, HostDirectory.Action<T> action) {
    checkOpen();
    return host.locked(operation, () -> {
      try {
        return action.run();
      } finally {
        holdImages();
      }
    });
  }

  /**
   * Brings the device models' image locks in line with the domains that exist now, as this or another
   * instance (or process) left them; the caller holds the host lock. A chain is read again only for a
   * domain whose disks' images changed: the images below a held image cannot change while it is held.
   * A failure is logged, not thrown: it must not mask the outcome of the call.
   */
  private void holdImages() {
    Map<UUID, Map<Path, DeviceModelLocks.Use>> before = DeviceModelLocks.JVM.claims(host.root());
    Map<UUID, Map<Path, DeviceModelLocks.Use>> now = new HashMap<>();
    try {
      for (DomainRecord record : host.loadAll()) {
        Set<Path> tops = record.config().disks().stream().map(SimDisk::image).collect(Collectors.toSet());
        Map<Path, DeviceModelLocks.Use> previous = before.get(record.config().uuid());
        now.put(record.config().uuid(), previous != null && writable(previous).equals(tops) ? previous : chains(tops));
      }
      DeviceModelLocks.JVM.claim(host.root(), now);
    } catch (IOException | RuntimeException e) {
      LOG.warn("simulated host {}: cannot bring the device models' image locks up to date", host.root(), e);
    }
  }

  private static Set<Path> writable(Map<Path, DeviceModelLocks.Use> uses) {
    return uses.entrySet().stream().filter(e -> e.getValue() == DeviceModelLocks.Use.WRITABLE)
        .map(Map.Entry::getKey).collect(Collectors.toSet());
  }

  /** The images a device model holds for disks on these images: each writable, its backing chain read-only. */
  private Map<Path, DeviceModelLocks.Use> chains(Set<Path> tops) {
    Map<Path, DeviceModelLocks.Use> uses = new HashMap<>();
    for (Path top : tops) {
      uses.put(top, DeviceModelLocks.Use.WRITABLE);
    }
    for (Path top : tops) {
      if (Files.exists(top)) {
        images.backingChain(top).stream().skip(1).forEach(p -> uses.putIfAbsent(p, DeviceModelLocks.Use.BACKING));
      }
    }
    return uses;
  }

  private void checkOpen() {
    checkState(!closed.get(), "simulated host %s is closed", host.root());
  }

  private void setPaused(String operation, DomainRef domain, boolean paused) {
    locked(operation, () -> {
      DomainRecord record = host.requireGuest(domain, operation);
      if (record.paused() != paused) {
        host.save(record.withPaused(paused));
        LOG.debug("{} {}", paused ? "paused" : "unpaused", domain);
      }
      return null;
    });
  }

  private static boolean isDom0(DomainRef domain) {
    if (!domain.uuid().equals(DOM0_UUID)) {
      return false;
    }
    if (domain.domid() != 0) {
      throw new DomainNotFoundException(domain.toString());
    }
    return true;
  }

  private static boolean dom0Matches(DomainSelector selector) {
    if (selector instanceof DomainSelector.ByName byName) {
      return byName.name().equals(DOM0_NAME);
    }
    if (selector instanceof DomainSelector.ByUuid byUuid) {
      return byUuid.uuid().equals(DOM0_UUID);
    }
    return ((DomainSelector.ByDomid) selector).domid() == 0;
  }

  private Set<Integer> usedDomids() throws IOException {
    Set<Integer> used = new HashSet<>();
    used.add(0);
    host.loadAll().forEach(d -> used.add(d.domid()));
    return used;
  }

  /** Checks that no domain has the UUID or the name; the caller holds the lock. */
  private void requireFree(String operation, UUID uuid, String name) throws IOException {
    Optional<DomainRecord> sameUuid = host.load(uuid);
    if (sameUuid.isPresent()) {
      throw new HypervisorException(operation, 0, "domain " + sameUuid.get().ref() + " has UUID " + uuid, null);
    }
    Optional<DomainRecord> sameName = host.loadAll().stream().filter(d -> d.config().name().equals(name)).findFirst();
    if (name.equals(DOM0_NAME) || sameName.isPresent()) {
      throw new HypervisorException(operation, 0, "domain name " + name + " is taken"
          + sameName.map(d -> " by " + d.ref()).orElse(""), null);
    }
  }

  private static void checkRange(long offset, long length, long size, String what) {
    checkArgument(offset >= 0 && length >= 0 && offset + length <= size,
        "%s bytes at offset %s are outside the %s bytes of the %s", length, offset, size, what);
  }

  /** Returns the domain, which must be paused or suspended, not shut down; the caller holds the lock. */
  private DomainRecord requireStopped(DomainRef domain, String operation) throws IOException {
    DomainRecord record = host.requireGuest(domain, operation);
    if (record.isRunning() || record.preserved().isPresent()) {
      throw new DomainStateException(operation + " needs " + domain + " paused or suspended", record.state());
    }
    return record;
  }

  /** Returns each request's disk, checking that each names a disk of the domain, at most once. */
  private static List<SimDisk> checkRequests(DomainRecord record, List<DiskSnapshotRequest> requests) {
    Set<String> targets = new HashSet<>();
    List<SimDisk> disks = new ArrayList<>();
    for (DiskSnapshotRequest request : requests) {
      checkArgument(targets.add(request.target()), "disk %s is requested twice", request.target());
      disks.add(record.disk(request.target()));
    }
    return disks;
  }

  /** Undoes the disk snapshots already taken, adding any failure of the undo to the cause. */
  private void undoDiskSnapshots(DomainRef domain, List<DiskSnapshotRequest> done, List<SimDisk> before,
      Exception cause) {
    for (int i = done.size() - 1; i >= 0; i--) {
      try {
        removeDiskSnapshot(done.get(i), before.get(i).image());
      } catch (IOException | RuntimeException e) {
        LOG.warn("undoing disk snapshot {} of {} failed", done.get(i), domain, e);
        cause.addSuppressed(e);
      }
    }
  }

  /** Deletes what one request created: the internal snapshot in the image, or the overlay. */
  private void removeDiskSnapshot(DiskSnapshotRequest request, Path image) throws IOException {
    if (request.mode() == DiskSnapshotMode.INTERNAL) {
      images.deleteInternalSnapshot(image, request.tag().orElseThrow());
    } else {
      Files.deleteIfExists(request.overlay().orElseThrow());
    }
  }

  /** Returns the disk as it was before its overlay: on the overlay's backing image. */
  private SimDisk backingOf(String operation, SimDisk disk) {
    ImageInfo overlay = images.info(disk.image());
    Path backing = overlay.backingFile().orElseThrow(() -> new HypervisorException(operation, 0, "overlay "
        + disk.image() + " of disk " + disk.target() + " has no backing file", null));
    DiskFormat format = overlay.backingFormat().orElseGet(() -> images.info(backing).format());
    return disk.withImage(backing, format);
  }

  private SimDisk restoredDisk(DomainConfig config, SimDisk disk, Optional<Path> override) {
    Path image = override.orElse(disk.image());
    String which = (override.isPresent() ? "override image " : "image ") + image + " of disk " + disk.target()
        + " of " + config.name();
    if (!Files.exists(image)) {
      throw new HypervisorException("restore", 0, which + " does not exist", null);
    }
    ImageInfo info = images.info(image);
    if (override.isEmpty() && info.format() != disk.format()) {
      throw new HypervisorException("restore", 0, which + " is " + info.format().xlName() + ", but the "
          + "configuration says " + disk.format().xlName(), null);
    }
    return new SimDisk(disk.target(), info.format(), image, info.virtualSize());
  }

  private static DomainConfig parseConfiguration(DomainConfiguration configuration) {
    if (!configuration.backend().equals(BACKEND_NAME)) {
      throw new HypervisorException("restore", 0, "the configuration is for backend " + configuration.backend()
          + ", not " + BACKEND_NAME, null);
    }
    try {
      PropertiesText text = PropertiesText.parse(configuration.content());
      String format = text.string("format");
      if (!format.equals(CONFIGURATION_FORMAT)) {
        throw new IllegalArgumentException("format " + format + " is not the supported " + CONFIGURATION_FORMAT);
      }
      return DomainConfig.read(text);
    } catch (IllegalArgumentException e) {
      throw new HypervisorException("restore", 0, "the configuration is not valid: " + e.getMessage(), e);
    }
  }

  /** Removes what a failed createDomain made: the images it created, the memory, empty directories. */
  private void removeHalfCreated(UUID uuid, List<Path> createdImages, Exception cause) {
    createdImages.forEach(image -> deleteAfterFailure(image, cause));
    deleteAfterFailure(host.memoryFile(uuid), cause);
    deleteAfterFailure(host.domainDirectory(uuid).resolve("disks"), cause);
    deleteAfterFailure(host.domainDirectory(uuid), cause);
  }

  /** Deletes a file or empty directory after a failure; a directory not empty is left alone. */
  private static void deleteAfterFailure(Path path, Exception cause) {
    try {
      if (!Files.isDirectory(path) || isEmptyDirectory(path)) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      LOG.warn("cannot remove {} after a failure", path, e);
      cause.addSuppressed(e);
    }
  }

  private static boolean isEmptyDirectory(Path directory) throws IOException {
    try (Stream<Path> entries = Files.list(directory)) {
      return entries.findAny().isEmpty();
    }
  }

  private static void throwFirst(List<RuntimeException> failures) {
    if (!failures.isEmpty()) {
      RuntimeException first = failures.get(0);
      failures.subList(1, failures.size()).forEach(first::addSuppressed);
      throw first;
    }
  }
}
