package io.github.xlsnap.libxl;

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
import io.github.xlsnap.core.spi.CheckpointMode;
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
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Hypervisor} over libxenlight 4.17, through JNR-FFI. Open it with {@link Libxl#open()};
 * it owns one {@code libxl_ctx} and frees it in {@link #close()}.
 *
 * <p><b>Threads.</b> Thread-safe: libxl documents its {@code libxl_ctx} as thread-safe, and every
 * call is synchronous ({@code ao_how} NULL) on the calling thread. {@link #close()} waits for calls
 * in progress and is idempotent; calls after it throw {@link IllegalStateException}.
 *
 * <p><b>What has run where.</b> Loading, symbol resolution, struct layouts, the logger and the
 * failure of {@code libxl_ctx_alloc} without Xen are tested on every build. The domain operations
 * run against a real Xen 4.17 hypervisor (PV guest, qcow2 disk on qdisk) in the {@code real-xen}
 * test stage: the {@code Hypervisor} contract suite and the snapshot manager's scenarios. Not
 * implemented: external disk snapshots (QMP {@code blockdev-snapshot-sync} on
 * {@code /var/run/xen/qmp-libxenstat-<domid>}) and snapshots of disks no device model holds
 * ({@code qemu-img}); both throw {@link UnsupportedDiskException}.
 */
public final class LibxlHypervisor implements Hypervisor {
  /** What {@link #backendName()} returns, and the backend of the configurations it produces. */
  public static final String BACKEND = "libxl";

  private static final Logger LOG = LoggerFactory.getLogger(LibxlHypervisor.class);

  private final LibxlContext xl;

  LibxlHypervisor(LibxlContext xl) {
    this.xl = xl;
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
   * ({@code libxl_retrieve_domain_configuration}).
   */
  @Override
  public List<DomainDisk> disks(DomainRef domain) {
    info(domain);
    List<DomainDisk> disks = new ArrayList<>();
    Map<String, String> stored = null;
    for (DiskEntry e : xl.disks(domain.domid())) {
      Optional<Path> image = Optional.ofNullable(e.pdevPath()).filter(p -> !p.isEmpty()).map(Path::of)
          .filter(Path::isAbsolute);
      DiskFormat format = DiskFormat.fromCode(e.format());
      if (format == DiskFormat.UNKNOWN) {
        if (stored == null) {
          stored = ConfigJson.diskFormats(xl.configurationJson(domain.domid()));
        }
        format = formatOf(stored.get(e.vdev()));
      }
      disks.add(new DomainDisk(e.vdev(), format, image,
          e.backend() == LibxlDeviceDisk.BACKEND_QDISK, !e.readwrite(), e.cdrom()));
    }
    return List.copyOf(disks);
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
   * empty, and the domain is resumed if libxl left it suspended. {@code guestStopped} is the length
   * of the {@code libxl_domain_suspend} call, an upper bound; {@code rounds} is 1 (libxl does not
   * report rounds).
   *
   * <p>Where Xen lacks PV log-dirty (Debian's build has no shadow paging), a live checkpoint fails
   * with {@link LibxlException} code -8 while the guest keeps running.
   */
  @Override
  public CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode) {
    requireNonNull(memoryImage, "memoryImage");
    requireNonNull(mode, "mode");
    DomainState state = info(domain).state();
    if (!state.isActive()) {
      throw new DomainStateException("cannot checkpoint " + domain + ": not running or paused", state);
    }
    String config = ConfigJson.withoutDomid(xl.configurationJson(domain.domid()));
    int fd = xl.openFd(memoryImage, Libc.O_WRONLY | Libc.O_TRUNC);
    int rc;
    long nanos;
    boolean wasPaused = state.paused();
    try {
      xl.writeFully(fd, XlSaveFile.header(config), memoryImage);
      if (wasPaused) {
        xl.unpause(domain.domid());
      }
      long start = System.nanoTime();
      rc = xl.suspend(domain.domid(), fd, mode == CheckpointMode.LIVE ? Libxenlight.LIBXL_SUSPEND_LIVE : 0);
      nanos = System.nanoTime() - start;
    } catch (RuntimeException e) {
      xl.closeFd(fd);
      truncate(memoryImage);
      throw e;
    }
    xl.closeFd(fd);
    if (wasPaused) {
      xl.pause(domain.domid());
    }
    if (rc != 0) {
      String log = xl.recentLog();
      truncate(memoryImage);
      if (info(domain).state().isSuspended()) {
        xl.resume(domain.domid());
      }
      String what = mode == CheckpointMode.LIVE && rc == LibxlError.GUEST_TIMEDOUT.code()
          && log.contains("logdirty")
          ? "live checkpoint of " + domain + " is not supported by this Xen (no log-dirty); the domain keeps running"
          : "checkpoint of " + domain + " failed; the domain was left as it was";
      throw new LibxlException("libxl_domain_suspend", rc, xl.errorName(rc), what + "; libxl said: " + log);
    }
    long size;
    try {
      size = Files.size(memoryImage);
    } catch (IOException e) {
      throw new HypervisorException("checkpoint", 0, "cannot stat " + memoryImage, e);
    }
    LOG.info("checkpointed {} into {} ({} bytes, {} ms)", domain, memoryImage, size, nanos / 1_000_000);
    return new CheckpointResult(size, 1, Duration.ofNanos(nanos));
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
   * <p>Internal snapshots of qcow2 disks served by the domain's QEMU (qdisk), through HMP
   * {@code snapshot_blkdev_internal <vdev>-qcow2 <tag>}. External overlays and disks that QEMU does
   * not serve throw {@link UnsupportedDiskException} before anything is done.
   */
  @Override
  public void snapshotDisks(DomainRef domain, List<DiskSnapshotRequest> requests) {
    requireNonNull(requests, "requests");
    DomainState state = info(domain).state();
    if (!state.paused() && !state.isSuspended()) {
      throw new DomainStateException("cannot snapshot the disks of " + domain + ": not paused or suspended", state);
    }
    List<DomainDisk> disks = disks(domain);
    List<String> nodes = new ArrayList<>();
    for (DiskSnapshotRequest r : requests) {
      nodes.add(nodeFor(disks, r, "snapshotDisks"));
    }
    List<DiskSnapshotRequest> done = new ArrayList<>();
    for (int i = 0; i < requests.size(); i++) {
      DiskSnapshotRequest r = requests.get(i);
      try {
        hmp(domain, "snapshot_blkdev_internal " + nodes.get(i) + " " + r.tag().orElseThrow());
        done.add(r);
      } catch (RuntimeException e) {
        try {
          discardDiskSnapshots(domain, done);
        } catch (RuntimeException undo) {
          e.addSuppressed(undo);
        }
        throw e;
      }
    }
  }

  @Override
  public void discardDiskSnapshots(DomainRef domain, List<DiskSnapshotRequest> requests) {
    requireNonNull(requests, "requests");
    List<DomainDisk> disks = disks(domain);
    for (DiskSnapshotRequest r : requests) {
      hmp(domain, "snapshot_delete_blkdev_internal " + nodeFor(disks, r, "discardDiskSnapshots") + " "
          + r.tag().orElseThrow());
    }
  }

  @Override
  public void deleteInternalDiskSnapshot(DomainRef domain, String target, String tag) {
    requireNonNull(target, "target");
    requireNonNull(tag, "tag");
    List<DomainDisk> disks = disks(domain);
    hmp(domain, "snapshot_delete_blkdev_internal "
        + nodeFor(disks, DiskSnapshotRequest.internal(target, tag), "deleteInternalDiskSnapshot") + " " + tag);
  }

  private static String nodeFor(List<DomainDisk> disks, DiskSnapshotRequest r, String operation) {
    DomainDisk disk = disks.stream().filter(d -> d.target().equals(r.target())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("the domain has no disk " + r.target()));
    if (r.mode() == DiskSnapshotMode.EXTERNAL) {
      throw new UnsupportedDiskException(operation, disk.target(),
          "external overlays, which this backend does not implement yet (QMP blockdev-snapshot-sync)");
    }
    if (!disk.heldByDeviceModel() || disk.format() != DiskFormat.QCOW2) {
      throw new UnsupportedDiskException(operation, disk.target(),
          "a qcow2 image served by the domain's QEMU (backendtype=qdisk), not " + disk.format().xlName());
    }
    return HmpReply.nodeName(disk.target(), disk.format().xlName());
  }

  private void hmp(DomainRef domain, String command) {
    String reply = xl.qemuMonitorCommand(domain.domid(), command);
    HmpReply.error(reply).ifPresent(error -> {
      throw new HypervisorException("libxl_qemu_monitor_command", 0,
          "QEMU refused '" + command + "' on " + domain + ": " + error, null);
    });
  }

  @Override
  public DomainConfiguration configuration(DomainRef domain) {
    info(domain);
    return new DomainConfiguration(BACKEND, xl.configurationJson(domain.domid()));
  }

  /**
   * {@inheritDoc}
   *
   * <p>With a memory image: reads its xl header (the image may come from {@code xl save}) and calls
   * {@code libxl_domain_create_restore} at the stream's offset with the request's configuration;
   * without: {@code libxl_domain_create_new}. Then unpauses unless asked to stay paused.
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
      int fd = xl.openFd(image, Libc.O_RDONLY);
      try {
        xl.seek(fd, header.streamOffset(), image);
        domid = xl.create(json, fd, header.streamVersion());
      } finally {
        xl.closeFd(fd);
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
