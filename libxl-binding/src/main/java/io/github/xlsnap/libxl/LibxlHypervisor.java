package io.github.xlsnap.libxl;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.Lists;
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
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.ChildProcesses;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.RestoreRequest;
import io.github.xlsnap.libxl.LibxlContext.DiskEntry;
import io.github.xlsnap.libxl.LibxlContext.Dominfo;
import io.github.xlsnap.libxl.internal.Libc;
import io.github.xlsnap.libxl.internal.Libxenlight;
import io.github.xlsnap.libxl.internal.LibxlDeviceDisk;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Hypervisor} over libxenlight 4.17, through JNR-FFI. Open it with {@link Libxl#open()};
 * it owns one {@code libxl_ctx} and frees it in {@link #close()}.
 *
 * <p><b>Threads.</b> Thread-safe: libxl documents its {@code libxl_ctx} as thread-safe. Short calls
 * are synchronous ({@code ao_how} NULL) on the calling thread. The long ones, the
 * {@code libxl_domain_suspend} of {@link #checkpoint} and the domain creation of {@link #restore},
 * are started asynchronously (a {@code libxl_asyncop_how} with a token of their own) and are
 * <em>cancellable</em>: interrupting the calling thread ({@link Thread#interrupt()}), or the timeout
 * given to {@link Libxl#open(Duration)} passing, makes xlsnap call {@code libxl_ao_abort}; the call
 * then still returns only after libxl has ended the operation (libxl uses its file descriptor and
 * buffers until then; an aborted save or restore normally ends within seconds), undoes what the
 * operation left behind, and throws {@link LibxlCancelledException} with the thread's interrupt status
 * set again. If libxl finished the operation before the abort took effect, the call succeeds, also
 * with the interrupt status set. A thread interrupted before such a call starts the libxl operation
 * gets the exception without the operation starting. libxl's completion is awaited on a short-lived
 * worker thread ({@code xlsnap-libxl-<function>-<n>}) in {@code libxl_event_wait}; several long
 * operations may run at once on one instance. Other calls are not interruptible. {@link #close()}
 * waits for calls in progress (long ones included) and is idempotent; calls after it throw
 * {@link IllegalStateException}.
 *
 * <p><b>What has run where.</b> Loading, symbol resolution, struct layouts, the logger and the
 * failure of {@code libxl_ctx_alloc} without Xen are tested on every build. The domain operations
 * run against a real Xen 4.17 hypervisor (PV guest, qcow2 disk on qdisk) in the {@code real-xen}
 * test stage: the {@code Hypervisor} contract suite and the snapshot manager's scenarios.
 *
 * <p><b>Disks.</b> Snapshots need a qcow2 image served by the domain's QEMU ({@code backendtype=qdisk}):
 * internal ones through HMP ({@code snapshot_blkdev_internal}), external overlays through QMP
 * ({@code blockdev-snapshot-sync}) on {@code /var/run/xen/qmp-libxenstat-<domid>}, the monitor socket
 * libxl leaves free. After an external snapshot and after its discard, libxl's stored configuration
 * (the {@code libxl-json} userdata) is rewritten to name the image QEMU uses, so that whatever
 * recreates the domain from libxl's view ({@code xl}'s restart on reboot, {@code xl save},
 * {@code xl migrate}) reopens the overlay; {@link #disks}, {@link #configuration} and the
 * configuration in a memory image take each disk's image from QEMU as well. Other disks (raw, {@code phy}, images the kernel's blkback opens)
 * throw {@link UnsupportedDiskException}: while the domain exists some process or the kernel holds
 * them, and nothing could switch the domain to an overlay.
 *
 * <p><b>Descriptors.</b> The operations during which libxl starts processes (domain creation and
 * restore, checkpoint, destroy) first mark every descriptor of the JVM close-on-exec and exclude this
 * backend's QMP connections while they run, so that no QEMU or helper libxl starts inherits a
 * descriptor of the application (see {@code ChildFds}).
 */
public final class LibxlHypervisor implements Hypervisor {
  /** What {@link #backendName()} returns, and the backend of the configurations it produces. */
  public static final String BACKEND = "libxl";

  private static final Logger LOG = LoggerFactory.getLogger(LibxlHypervisor.class);

  /** How long one QMP exchange may take. */
  private static final Duration QMP_TIMEOUT = Duration.ofSeconds(30);
  /** How long undoing an external snapshot (an active block-commit) may take. */
  private static final Duration COMMIT_TIMEOUT = Duration.ofMinutes(5);

  private final LibxlContext xl;
  private final IntFunction<Path> qmpSocket;
  /** The memory images restores are reading, by absolute path. */
  private final Map<Path, ReadingImage> restoring = new ConcurrentHashMap<>();

  LibxlHypervisor(LibxlContext xl) {
    this(xl, domid -> Path.of("/var/run/xen/qmp-libxenstat-" + domid));
  }

  LibxlHypervisor(LibxlContext xl, IntFunction<Path> qmpSocket) {
    // xlsnap's own processes (qemu-img) start only while no libxl operation that may fork runs (ChildFds)
    ChildProcesses.install(ChildFds.PROCESS::startProcess);
    this.xl = xl;
    this.qmpSocket = qmpSocket;
  }

  @Override
  public String backendName() {
    return BACKEND;
  }

  @Override
  public List<DomainInfo> listDomains() {
    List<DomainInfo> result = new ArrayList<>();
    for (Dominfo d : xl.listDomains()) {
      xl.domidToName(d.domid()).ifPresent(name -> result.add(toInfo(d, name)));
    }
    return List.copyOf(result);
  }

  @Override
  public Optional<DomainInfo> find(DomainSelector selector) {
    requireNonNull(selector, "selector");
    if (selector instanceof DomainSelector.ByDomid byDomid) {
      return byDomid(byDomid.domid());
    }
    if (selector instanceof DomainSelector.ByName byName) {
      OptionalInt domid = xl.nameToDomid(byName.name());
      return domid.isPresent() ? byDomid(domid.getAsInt()) : Optional.empty();
    }
    DomainSelector.ByUuid byUuid = (DomainSelector.ByUuid) selector;
    return listDomains().stream().filter(d -> d.ref().uuid().equals(byUuid.uuid())).findFirst();
  }

  private Optional<DomainInfo> byDomid(int domid) {
    Optional<Dominfo> d = xl.domainInfo(domid);
    if (d.isEmpty()) {
      return Optional.empty();
    }
    return xl.domidToName(domid).map(name -> toInfo(d.get(), name));
  }

  @Override
  public DomainInfo info(DomainRef domain) {
    requireNonNull(domain, "domain");
    Dominfo d = xl.domainInfo(domain.domid()).filter(i -> i.uuid().equals(domain.uuid()))
        .orElseThrow(() -> new DomainNotFoundException(domain.toString()));
    return toInfo(d, domain.name());
  }

  private static DomainInfo toInfo(Dominfo d, String name) {
    DomainState state = new DomainState(d.running(), d.blocked(), d.paused(), d.dying(),
        d.shutdown() ? Optional.of(ShutdownReason.fromCode(d.shutdownReason())) : Optional.empty());
    return new DomainInfo(new DomainRef(d.uuid(), name, d.domid()), state, d.currentMemkb(), d.vcpuOnline(),
        Duration.ofNanos(d.cpuTimeNs()));
  }

  /**
   * {@inheritDoc}
   *
   * <p>From {@code libxl_device_disk_list}: a disk is held by the device model when its backend is
   * qdisk (QEMU serves it). That list comes from xenstore, where libxl 4.17 leaves the format
   * unknown; the format then comes from the stored configuration
   * ({@code libxl_retrieve_domain_configuration}). The image of a qdisk disk is the one QEMU uses
   * now (QMP {@code query-block}), which after an external snapshot is the overlay.
   */
  @Override
  public List<DomainDisk> disks(DomainRef domain) {
    info(domain);
    List<DiskEntry> entries = xl.disks(domain.domid());
    boolean qdisk = entries.stream().anyMatch(e -> e.backend() == LibxlDeviceDisk.BACKEND_QDISK);
    try (Qmp qmp = qdisk ? monitor(domain) : null) {
      return disks(domain, entries, roots(qmp));
    }
  }

  private List<DomainDisk> disks(DomainRef domain, List<DiskEntry> entries, List<QemuBlock.Root> roots) {
    List<DomainDisk> disks = new ArrayList<>();
    Map<String, String> stored = null;
    for (DiskEntry e : entries) {
      Optional<Path> image = Optional.ofNullable(e.pdevPath()).filter(p -> !p.isEmpty()).map(Path::of)
          .filter(Path::isAbsolute);
      DiskFormat format = DiskFormat.fromCode(e.format());
      if (format == DiskFormat.UNKNOWN) {
        if (stored == null) {
          stored = ConfigJson.diskFormats(xl.configurationJson(domain.domid()));
        }
        format = formatOf(stored.get(e.vdev()));
      }
      boolean held = e.backend() == LibxlDeviceDisk.BACKEND_QDISK;
      if (held && format != DiskFormat.UNKNOWN) {
        Optional<QemuBlock.Root> root = QemuBlock.rootOf(roots, e.vdev(), format.xlName());
        if (root.isPresent()) {
          image = Optional.of(root.get().file());
          format = formatOf(root.get().driver());
        }
      }
      disks.add(new DomainDisk(e.vdev(), format, image, held, !e.readwrite(), e.cdrom()));
    }
    return List.copyOf(disks);
  }

  /**
   * Connects to a domain's QEMU for one operation, or returns null where the domain has no QEMU
   * monitor socket (then no overlay can exist either).
   */
  private @Nullable Qmp monitor(DomainRef domain) {
    Path socket = qmpSocket.apply(domain.domid());
    if (!Files.exists(socket)) {
      LOG.debug("{} has no QEMU monitor socket {}", domain, socket);
      return null;
    }
    return Qmp.connect(socket, QMP_TIMEOUT);
  }

  /** The root nodes of the disks QEMU serves; none without a monitor. */
  private static List<QemuBlock.Root> roots(@Nullable Qmp qmp) {
    return qmp == null ? List.of() : QemuBlock.roots(qmp);
  }

  static DiskFormat formatOf(@Nullable String xlName) {
    return xlName == null ? DiskFormat.UNKNOWN : DiskFormat.fromXlName(xlName).orElse(DiskFormat.UNKNOWN);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Xen counts toolstack pauses, so this pauses only a domain that is not paused.
   */
  @Override
  public void pause(DomainRef domain) {
    if (!info(domain).state().paused()) {
      xl.pause(domain.domid());
    }
  }

  @Override
  public void unpause(DomainRef domain) {
    if (info(domain).state().paused()) {
      xl.unpause(domain.domid());
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>As {@code xl save}: the image gets xl's save-file header with the domain's JSON configuration
   * (without its domid), then the stream of {@code libxl_domain_suspend} (flags 0, or
   * {@code LIBXL_SUSPEND_LIVE}). A PV guest must answer the suspend request, so a paused domain is
   * unpaused for the save and paused again once suspended. On failure the image is truncated to
   * empty, and the domain is resumed if libxl left it suspended. For a stopped checkpoint
   * {@code guestStopped} is the length of the {@code libxl_domain_suspend} call (an upper bound) and
   * {@code rounds} is 1. For a live one both come from libxc's progress reports ({@link SaveProgress}):
   * the rounds, the final one included, and the time from the report that the domain suspended to
   * the end of the call, the final round (the whole call if no such report came).
   *
   * <p>A live checkpoint needs log-dirty mode. HAP guests (PVH, HVM on a host with EPT or NPT) have
   * it; a PV guest needs shadow paging, which Debian's Xen is built without: there a live checkpoint
   * of a PV guest fails with {@link LibxlException} code -8 while the guest keeps running.
   *
   * <p><b>Cancellation.</b> Interrupting the calling thread while the image is being written (or the
   * timeout of {@link Libxl#open(Duration)} passing) aborts {@code libxl_domain_suspend}
   * ({@code libxl_ao_abort}); once libxl has ended it, the failure path above runs (the image is
   * emptied, a domain left suspended is resumed, a paused one is paused again) and
   * {@link LibxlCancelledException} is thrown, usually with code -22 ({@code ERROR_ABORTED}), with the
   * thread's interrupt status set again. If the suspend completed before the abort took effect, the
   * checkpoint succeeds (interrupt status set too), and the domain is suspended as after any
   * {@link CheckpointMode#STOPPED} checkpoint.
   *
   * @throws LibxlCancelledException if cancelled, as above
   */
  @Override
  public CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode) {
    requireNonNull(memoryImage, "memoryImage");
    requireNonNull(mode, "mode");
    DomainState state = info(domain).state();
    if (!state.isActive()) {
      throw new DomainStateException("cannot checkpoint " + domain + ": not running or paused", state);
    }
    String config;
    try {
      config = ConfigJson.withoutDomid(currentConfigurationJson(domain));
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        // interrupted while asking QEMU for the disks' images (an interrupt closes the QMP channel)
        int rc = LibxlError.ABORTED.code();
        LibxlCancelledException cancelled = new LibxlCancelledException("libxl_domain_suspend", rc, xl.errorName(rc),
            "checkpoint of " + domain + " was cancelled (interrupted) before it started; nothing was written"
                + " and the domain was left as it was");
        cancelled.initCause(e);
        throw cancelled;
      }
      throw e;
    }
    int fd = xl.openFd(memoryImage, Libc.O_WRONLY | Libc.O_TRUNC);
    AsyncCall.Outcome outcome;
    long start;
    long nanos;
    boolean wasPaused = state.paused();
    try {
      xl.writeFully(fd, XlSaveFile.header(config), memoryImage);
      if (wasPaused) {
        xl.unpause(domain.domid());
      }
      start = System.nanoTime();
      outcome = xl.suspend(domain.domid(), fd, mode == CheckpointMode.LIVE ? Libxenlight.LIBXL_SUSPEND_LIVE : 0);
      nanos = System.nanoTime() - start;
    } catch (RuntimeException e) {
      xl.closeFd(fd);
      truncate(memoryImage);
      throw e;
    }
    int rc = outcome.rc();
    if (!outcome.completed()) {
      // libxl may still be writing: the descriptor stays open and the image as it is
      outcome.restoreInterrupt();
      throw new LibxlException("libxl_domain_suspend", rc, xl.errorName(rc), "checkpoint of " + domain
          + " lost track of libxl_domain_suspend; " + memoryImage + " and its descriptor are left as they are");
    }
    xl.closeFd(fd);
    try {
      if (wasPaused) {
        xl.pause(domain.domid());
      }
      if (rc != 0) {
        String log = xl.recentLog();
        truncate(memoryImage);
        if (info(domain).state().isSuspended()) {
          xl.resume(domain.domid());
        }
        if (outcome.cancelled()) {
          throw new LibxlCancelledException("libxl_domain_suspend", rc, xl.errorName(rc), "checkpoint of " + domain
              + " was cancelled (" + outcome.describeCancellation() + "); the image is empty and the domain was left "
              + (wasPaused ? "paused" : "running") + " as it was; libxl said: " + log);
        }
        String what = mode == CheckpointMode.LIVE && rc == LibxlError.GUEST_TIMEDOUT.code()
            && log.contains("logdirty")
            ? "live checkpoint of " + domain + " is not supported by this Xen (no log-dirty); the domain keeps running"
            : "checkpoint of " + domain + " failed; the domain was left as it was";
        throw new LibxlException("libxl_domain_suspend", rc, xl.errorName(rc), what + "; libxl said: " + log);
      }
      if (outcome.cancelled()) {
        LOG.info("checkpoint of {} completed before its cancellation ({}) took effect", domain,
            outcome.describeCancellation());
      }
      long size;
      try (FileChannel channel = FileChannel.open(memoryImage, StandardOpenOption.WRITE)) {
        channel.force(true); // durable before anyone commits metadata naming it (the SPI's contract)
        size = channel.size();
      } catch (IOException e) {
        truncate(memoryImage);
        xl.resume(domain.domid());
        throw new HypervisorException("checkpoint", 0, "cannot force " + memoryImage + " to disk; the checkpoint "
            + "of " + domain + " is abandoned and the domain resumed", e);
      }
      SaveProgress progress = xl.saveProgress(start);
      int rounds = 1;
      long stopped = nanos;
      if (mode == CheckpointMode.LIVE) {
        rounds = progress.rounds().orElse(1);
        if (progress.suspendedAt().isPresent()) {
          stopped = Math.max(0, start + nanos - progress.suspendedAt().getAsLong());
        }
      }
      LOG.info("checkpointed {} into {} ({} bytes, {} ms{})", domain, memoryImage, size, nanos / 1_000_000,
          mode == CheckpointMode.LIVE ? ", live: " + rounds + " rounds, guest stopped for the last " + stopped / 1_000_000
              + " ms" + (progress.suspendedAt().isPresent() ? "" : " (no suspension reported: the whole call)") : "");
      return new CheckpointResult(size, rounds, Duration.ofNanos(stopped));
    } finally {
      outcome.restoreInterrupt();
    }
  }

  private static void truncate(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      channel.truncate(0);
    } catch (IOException e) {
      LOG.warn("cannot empty {} after a failed checkpoint", file, e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>{@code libxl_domain_resume} with {@code suspend_cancel} 1, as {@code xl save -c}.
   */
  @Override
  public void resume(DomainRef domain) {
    DomainState state = info(domain).state();
    if (!state.isSuspended()) {
      throw new DomainStateException("cannot resume " + domain + ": not suspended", state);
    }
    xl.resume(domain.domid());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Disks must be qcow2 images served by the domain's QEMU (qdisk): internal snapshots through HMP
   * {@code snapshot_blkdev_internal <node> <tag>}, external overlays through QMP
   * {@code blockdev-snapshot-sync} on the disk's root node (the new node is named
   * {@code <vdev>-xlsnap...}). Other disks throw {@link UnsupportedDiskException} before anything is
   * done. After external snapshots, libxl's stored configuration names the overlays (so that
   * {@code xl}'s restart on reboot, {@code xl save} and {@code xl migrate} reopen them, not the frozen
   * images); if that cannot be done, the snapshots are undone and a {@link HypervisorException} says so.
   */
  @Override
  public void snapshotDisks(DomainRef domain, List<DiskSnapshotRequest> requests) {
    requireNonNull(requests, "requests");
    DomainState state = info(domain).state();
    if (!state.paused() && !state.isSuspended()) {
      throw new DomainStateException("cannot snapshot the disks of " + domain + ": not paused or suspended", state);
    }
    List<DiskEntry> entries = xl.disks(domain.domid());
    try (Qmp qmp = monitor(domain)) {
      List<QemuBlock.Root> roots = roots(qmp);
      List<DomainDisk> disks = disks(domain, entries, roots);
      List<String> nodes = new ArrayList<>();
      for (DiskSnapshotRequest r : requests) {
        nodes.add(nodeFor(disks, roots, r, "snapshotDisks"));
        if (r.overlay().isPresent() && Files.exists(r.overlay().get(), LinkOption.NOFOLLOW_LINKS)) {
          throw new IllegalArgumentException("overlay " + r.overlay().get() + " of disk " + r.target()
              + " already exists");
        }
      }
      List<DiskSnapshotRequest> done = new ArrayList<>();
      for (int i = 0; i < requests.size(); i++) {
        DiskSnapshotRequest r = requests.get(i);
        try {
          if (r.mode() == DiskSnapshotMode.EXTERNAL) {
            // a root node was found for the disk (nodeFor), so there is a monitor
            QemuBlock.snapshot(requireNonNull(qmp), rootNamed(roots, nodes.get(i)), r.overlay().orElseThrow(),
                QemuBlock.overlayNodeName(r.target()));
          } else {
            hmp(domain, "snapshot_blkdev_internal " + nodes.get(i) + " " + r.tag().orElseThrow());
          }
        } catch (RuntimeException e) {
          if (r.overlay().isPresent()) {
            forgetOverlay(qmp, r, done, e);
          }
          try {
            discard(domain, qmp, done);
          } catch (RuntimeException undo) {
            e.addSuppressed(undo);
          }
          throw e;
        }
        done.add(r);
        if (r.mode() == DiskSnapshotMode.EXTERNAL) {
          samePermissions(r.overlay().orElseThrow(), rootNamed(roots, nodes.get(i)).file());
        }
      }
      if (requests.stream().anyMatch(r -> r.mode() == DiskSnapshotMode.EXTERNAL)) {
        try {
          syncStoredImages(domain, qmp);
        } catch (RuntimeException e) {
          HypervisorException refused = new HypervisorException("snapshotDisks", 0, "external snapshot of " + domain
              + " refused: libxl's stored configuration cannot be made to name the overlays, so a reboot, xl save"
              + " or migrate would reopen the frozen images; the snapshots were undone", e);
          try {
            discard(domain, qmp, done);
            syncStoredImages(domain, qmp);
          } catch (RuntimeException undo) {
            refused.addSuppressed(undo);
          }
          throw refused;
        }
      }
    }
  }

  /**
   * Makes libxl's own view of the domain's disks true: its stored configuration (the
   * {@code libxl-json} userdata, which {@code libxl_retrieve_domain_configuration} reads, and with it
   * {@code xl}'s restart on reboot, {@code xl save} and {@code xl migrate}) names, for each disk QEMU
   * serves, the image QEMU uses now (after an external snapshot the overlay, after its discard the
   * image below again) and its format. libxl 4.17 takes a non-removable disk's {@code pdev_path} from
   * that JSON, not from xenstore ({@code libxl_device_disk_merge}), and xenstore's backend
   * {@code params} is read only when the disk is attached, so it is left as QEMU read it. Stores only
   * when something changes, then reads the configuration back through
   * {@code libxl_retrieve_domain_configuration} and checks it.
   *
   * <p>libxl has no call to change a running domain's disk in its stored configuration (only
   * {@code libxl_cdrom_insert}, for removable media), so this reads and stores the {@code libxl-json}
   * userdata through {@code libxl_userdata_retrieve} and {@code libxl_userdata_store}; libxl locks
   * the store, but not across the read: a device added to the same domain by another libxl user in
   * between would be lost from the stored configuration.
   *
   * @throws HypervisorException if the configuration read back does not name the images
   */
  private void syncStoredImages(DomainRef domain, @Nullable Qmp qmp) {
    List<DomainDisk> disks = disks(domain, xl.disks(domain.domid()), roots(qmp));
    Map<String, ConfigJson.DiskImage> images = new LinkedHashMap<>();
    for (DomainDisk d : disks) {
      if (d.heldByDeviceModel() && !d.cdrom() && d.format() != DiskFormat.UNKNOWN && d.image().isPresent()) {
        images.put(d.target(), new ConfigJson.DiskImage(d.image().get(), d.format().xlName()));
      }
    }
    String stored = xl.storedConfigurationJson(domain.domid());
    String updated = ConfigJson.withDiskImagesAndFormats(stored, images);
    if (updated.equals(stored)) {
      return;
    }
    xl.storeConfigurationJson(domain.domid(), updated);
    Map<String, String> seen = ConfigJson.diskImages(xl.configurationJson(domain.domid()));
    for (Map.Entry<String, ConfigJson.DiskImage> e : images.entrySet()) {
      if (!e.getValue().path().toString().equals(seen.get(e.getKey()))) {
        throw new HypervisorException("libxl_retrieve_domain_configuration", 0, "libxl's configuration of " + domain
            + " names " + seen.get(e.getKey()) + " for disk " + e.getKey() + " after storing " + e.getValue().path(),
            null);
      }
    }
    LOG.info("libxl's stored configuration of {} now names {}", domain, images);
  }

  /**
   * {@inheritDoc}
   *
   * <p>An external overlay is undone with an active QMP {@code block-commit} of the overlay into the
   * node below it, which the disk then uses again (the overlay holds nothing while the domain has not
   * run since the snapshot), and the overlay file is deleted; libxl's stored configuration then names
   * the image below again (also when a later request failed, for those undone).
   */
  @Override
  public void discardDiskSnapshots(DomainRef domain, List<DiskSnapshotRequest> requests) {
    requireNonNull(requests, "requests");
    info(domain);
    try (Qmp qmp = monitor(domain)) {
      RuntimeException failure = null;
      try {
        discard(domain, qmp, requests);
      } catch (RuntimeException e) {
        failure = e;
      }
      if (requests.stream().anyMatch(r -> r.mode() == DiskSnapshotMode.EXTERNAL)) {
        try {
          syncStoredImages(domain, qmp);
        } catch (RuntimeException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
      if (failure != null) {
        throw failure;
      }
    }
  }

  private void discard(DomainRef domain, @Nullable Qmp qmp, List<DiskSnapshotRequest> requests) {
    List<DiskEntry> entries = xl.disks(domain.domid());
    for (DiskSnapshotRequest r : Lists.reverse(List.copyOf(requests))) {
      List<QemuBlock.Root> roots = roots(qmp); // again for each: a commit changes them
      List<DomainDisk> disks = disks(domain, entries, roots);
      String node = nodeFor(disks, roots, r, "discardDiskSnapshots");
      if (r.mode() == DiskSnapshotMode.EXTERNAL) {
        Path overlay = r.overlay().orElseThrow();
        QemuBlock.Root top = rootNamed(roots, node);
        if (!top.file().equals(overlay)) {
          throw new HypervisorException("discardDiskSnapshots", 0, "disk " + r.target() + " of " + domain
              + " uses " + top.file() + ", not the overlay " + overlay, null);
        }
        QemuBlock.Root back = QemuBlock.commitTop(requireNonNull(qmp), top, COMMIT_TIMEOUT);
        LOG.info("disk {} of {} uses {} again; deleting the overlay {}", r.target(), domain, back.file(), overlay);
        try {
          Files.deleteIfExists(overlay);
        } catch (IOException e) {
          throw new HypervisorException("discardDiskSnapshots", 0, "disk " + r.target() + " of " + domain
              + " uses " + back.file() + " again, but the overlay " + overlay + " cannot be deleted", e);
        }
      } else {
        hmp(domain, "snapshot_delete_blkdev_internal " + node + " " + r.tag().orElseThrow());
      }
    }
  }

  @Override
  public void deleteInternalDiskSnapshot(DomainRef domain, String target, String tag) {
    requireNonNull(target, "target");
    requireNonNull(tag, "tag");
    info(domain);
    try (Qmp qmp = monitor(domain)) {
      List<QemuBlock.Root> roots = roots(qmp);
      List<DomainDisk> disks = disks(domain, xl.disks(domain.domid()), roots);
      hmp(domain, "snapshot_delete_blkdev_internal "
          + nodeFor(disks, roots, DiskSnapshotRequest.internal(target, tag), "deleteInternalDiskSnapshot") + " " + tag);
    }
  }

  /** The QEMU node a request acts on: the disk's root node, which must be a qcow2 image QEMU serves. */
  private static String nodeFor(List<DomainDisk> disks, List<QemuBlock.Root> roots, DiskSnapshotRequest r,
      String operation) {
    DomainDisk disk = disks.stream().filter(d -> d.target().equals(r.target())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the domain has no disk " + r.target()));
    if (!disk.heldByDeviceModel() || disk.format() != DiskFormat.QCOW2) {
      throw new UnsupportedDiskException(operation, disk.target(),
          "a qcow2 image served by the domain's QEMU (backendtype=qdisk), not " + disk.format().xlName()
              + (disk.heldByDeviceModel() ? "" : " on a backend other than qdisk"));
    }
    Optional<QemuBlock.Root> root = QemuBlock.rootOf(roots, disk.target(), disk.format().xlName());
    if (root.isPresent()) {
      return root.get().nodeName();
    }
    if (r.mode() == DiskSnapshotMode.EXTERNAL) {
      throw new UnsupportedDiskException(operation, disk.target(),
          "a block node of the domain's QEMU named " + HmpReply.nodeName(disk.target(), disk.format().xlName())
              + " or " + disk.target() + "-" + QemuBlock.OVERLAY_NODE_INFIX + "..., reachable over QMP; QEMU has none");
    }
    return HmpReply.nodeName(disk.target(), disk.format().xlName());
  }

  /**
   * After a failed external snapshot: QEMU's {@code blockdev-snapshot-sync} is all or nothing, so the
   * overlay file is deleted, unless the failure was ours (e.g. a reply that came too late) and the disk
   * does use it: then it joins the requests to undo. If QEMU cannot say, the file stays.
   */
  private static void forgetOverlay(@Nullable Qmp qmp, DiskSnapshotRequest r, List<DiskSnapshotRequest> done,
      RuntimeException failure) {
    Path overlay = r.overlay().orElseThrow();
    try {
      if (roots(qmp).stream().anyMatch(root -> root.file().equals(overlay))) {
        done.add(r);
      } else {
        deleteQuietly(overlay);
      }
    } catch (RuntimeException e) {
      failure.addSuppressed(e);
      LOG.warn("cannot tell whether disk {} uses the overlay {}; it is left in place", r.target(), overlay);
    }
  }

  /**
   * Gives an overlay QEMU created (with its own umask) the permissions of the image below it, so that
   * guest data never becomes readable by more users than before. A failure is logged: the overlay
   * is in use already.
   */
  private static void samePermissions(Path overlay, Path image) {
    try {
      Files.setPosixFilePermissions(overlay, Files.getPosixFilePermissions(image));
    } catch (IOException | UnsupportedOperationException e) {
      LOG.warn("cannot give the overlay {} the permissions of {}", overlay, image, e);
    }
  }

  private static QemuBlock.Root rootNamed(List<QemuBlock.Root> roots, String node) {
    return roots.stream().filter(r -> r.nodeName().equals(node)).findFirst()
        .orElseThrow(() -> new IllegalStateException("no root node " + node));
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete {}", file, e);
    }
  }

  private void hmp(DomainRef domain, String command) {
    String reply = xl.qemuMonitorCommand(domain.domid(), command);
    HmpReply.error(reply).ifPresent(error -> {
      throw new HypervisorException("libxl_qemu_monitor_command", 0,
          "QEMU refused '" + command + "' on " + domain + ": " + error, null);
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>libxl's stored configuration ({@code libxl_retrieve_domain_configuration}) with each disk's
   * image as QEMU uses it now: after an external snapshot, the overlay, which libxl does not know.
   */
  @Override
  public DomainConfiguration configuration(DomainRef domain) {
    info(domain);
    return new DomainConfiguration(BACKEND, currentConfigurationJson(domain));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Compares the two libxl configurations as JSON trees, ignoring {@code c_info.domid} and each
   * disk's {@code pdev_path} and {@code format}; lists at most 10 differences as JSON pointers.
   */
  @Override
  public List<String> configurationChanges(DomainConfiguration then, DomainConfiguration now) {
    if (!then.backend().equals(BACKEND) || !now.backend().equals(BACKEND)) {
      return Hypervisor.super.configurationChanges(then, now);
    }
    try {
      return ConfigJson.changes(then.content(), now.content(), 10);
    } catch (IllegalArgumentException e) {
      return List.of("a configuration is not libxl JSON: " + e.getMessage());
    }
  }

  private String currentConfigurationJson(DomainRef domain) {
    String json = xl.configurationJson(domain.domid());
    Map<String, Path> images = new LinkedHashMap<>();
    for (DomainDisk d : disks(domain)) {
      if (d.heldByDeviceModel() && !d.cdrom()) {
        d.image().ifPresent(image -> images.put(d.target(), image));
      }
    }
    return images.isEmpty() ? json : ConfigJson.withDiskImages(json, images);
  }

  /**
   * {@inheritDoc}
   *
   * <p>With a memory image: reads its xl header (the image may come from {@code xl save}) and calls
   * {@code libxl_domain_create_restore} at the stream's offset with the request's configuration;
   * without: {@code libxl_domain_create_new}. Then unpauses unless asked to stay paused.
   *
   * <p><b>Cancellation.</b> Interrupting the calling thread during the domain creation (or the
   * timeout of {@link Libxl#open(Duration)} passing) aborts it ({@code libxl_ao_abort}). libxl
   * destroys a domain whose creation failed, but keeps a half-created one when the creation was
   * aborted; xlsnap then destroys it by its domid. {@link LibxlCancelledException} follows, with the
   * thread's interrupt status set again; its message says whether a half-created domain was destroyed.
   * If the creation completed before the abort took effect, the domain is restored as asked and
   * returned (interrupt status set too).
   *
   * @throws LibxlCancelledException if cancelled, as above
   */
  @Override
  public DomainRef restore(RestoreRequest request) {
    requireNonNull(request, "request");
    DomainConfiguration configuration = request.configuration();
    if (!configuration.backend().equals(BACKEND)) {
      throw new IllegalArgumentException("configuration from backend " + configuration.backend() + ", not libxl");
    }
    String json = ConfigJson.withoutDomid(ConfigJson.withDiskImages(configuration.content(), request.diskImages()));
    int domid;
    if (request.memoryImage().isPresent()) {
      Path image = request.memoryImage().get();
      XlSaveFile header = XlSaveFile.read(image);
      ReadingImage reading = new ReadingImage(xl.openFd(image, Libc.O_RDONLY));
      Path key = progressKey(image);
      restoring.put(key, reading);
      boolean closeFd = true;
      try {
        xl.seek(reading.fd, header.streamOffset(), image);
        domid = xl.create(json, reading.fd, header.streamVersion());
      } catch (LibxlContext.LostOperationException e) {
        closeFd = false; // libxl may still read from it
        throw e;
      } finally {
        restoring.remove(key, reading);
        reading.end(closeFd);
      }
    } else {
      domid = xl.create(json, -1, 2);
    }
    DomainInfo created = byDomid(domid).orElseThrow(() -> new HypervisorException("restore", 0,
        "domid " + domid + " vanished right after its creation", null));
    if (!request.paused()) {
      xl.unpause(domid);
    }
    return created.ref();
  }

  /**
   * {@inheritDoc}
   *
   * <p>The offset of the descriptor xlsnap handed {@code libxl_domain_create_restore} (libxl's save
   * helper reads through a copy that shares it), read with {@code lseek}: no descriptor is opened.
   */
  @Override
  public OptionalLong restoreProgress(Path memoryImage) {
    requireNonNull(memoryImage, "memoryImage");
    ReadingImage reading = restoring.get(progressKey(memoryImage));
    return reading == null ? OptionalLong.empty() : reading.position();
  }

  private static Path progressKey(Path memoryImage) {
    return memoryImage.toAbsolutePath().normalize();
  }

  /**
   * The descriptor a restore reads its memory image through, its offset readable until it is closed
   * (and its number perhaps reused by another file): both under this object's lock.
   */
  private final class ReadingImage {
    final int fd;
    private boolean ended;

    ReadingImage(int fd) {
      this.fd = fd;
    }

    synchronized OptionalLong position() {
      if (ended) {
        return OptionalLong.empty();
      }
      long offset = xl.position(fd);
      return offset < 0 ? OptionalLong.empty() : OptionalLong.of(offset);
    }

    synchronized void end(boolean close) {
      ended = true;
      if (close) {
        xl.closeFd(fd);
      }
    }
  }

  @Override
  public void destroy(DomainRef domain) {
    info(domain);
    xl.destroy(domain.domid());
  }

  @Override
  public void shutdown(DomainRef domain) {
    info(domain);
    xl.shutdown(domain.domid());
  }

  /** Frees the libxl context and its logger, after calls in progress. Idempotent. */
  @Override
  public void close() {
    xl.close();
  }
}
