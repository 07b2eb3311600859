package io.github.xlsnap.libxl.realxen;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.libxl.Libxl;
import io.github.xlsnap.libxl.LibxlHypervisor;
import io.github.xlsnap.testkit.HypervisorFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real Xen dom0 as a {@link HypervisorFixture}: {@link LibxlHypervisor} over the real libxl, and
 * guests started with {@code xl create} from the stage's counter guest, PV or PVH ({@link GuestType}:
 * the same kernel and initramfs), each with a fresh name and UUID
 * and its own qcow2 overlay (served by QEMU: {@code backendtype=qdisk}) over a shared empty base image.
 * {@link #startDomain()} returns as soon as {@code xl create} has: the {@link #hypervisor()} it hands
 * out waits for the guest's first tick only before a checkpoint (a booting PV kernel does not answer
 * a suspend request), so that tests that never checkpoint skip the boot; {@link #startGuest()} waits.
 * {@link #close()} destroys every instance with the UUIDs it started, including restored ones.
 *
 * <p>A fixture made by {@link #reusingPristineGuests()} (the contract suite's) hands its guest on instead
 * of destroying it when the test left it as it was started: the same instance (domid), running, not
 * paused, suspended or shut down, one disk on its own image with no internal snapshot, and libxl's stored
 * configuration naming that image. The next such fixture in the JVM takes it instead of an {@code xl
 * create} (about 9 s of the stage's time per test under TCG, creation and destruction). Guests left over
 * when the JVM exits are destroyed by a shutdown hook.
 */
public final class RealXenFixture implements HypervisorFixture {
  private static final Duration BOOT_TIMEOUT = Duration.ofSeconds(240);

  /**
   * The guest's type. A PVH guest runs in a HAP container (the stage boots Xen with NPT), which gives it
   * log-dirty mode and with it live checkpoints; a PV guest has none on Debian's Xen.
   */
  public enum GuestType {
    /** Paravirtualized: {@code type = "pv"}. */
    PV,
    /** PVH: {@code type = "pvh"}, no device model but the qdisk QEMU. */
    PVH
  }

  private final GuestType type;
  private final LibxlHypervisor hypervisor;
  private final BootAwaitingHypervisor awaiting;
  private final QemuImg images = QemuImg.system();
  private final Path scratch;
  private final List<UUID> started = new ArrayList<>();
  /** The guests this fixture created or took, by UUID, with the domid they had then. */
  private final Map<UUID, Handed> handed = new LinkedHashMap<>();
  private final boolean reuse;

  private record Handed(Guest guest, int domid) {}

  /** Guests handed on by {@link #close()}, for the next fixture that reuses (guarded by the class). */
  private static final Deque<Handed> PARKED = new ArrayDeque<>();
  private static boolean hookAdded;

  /** A fixture of PV guests. */
  public RealXenFixture() {
    this(GuestType.PV);
  }

  /**
   * A fixture of guests of a type.
   *
   * @param type PV or PVH
   */
  public RealXenFixture(GuestType type) {
    this(type, false);
  }

  private RealXenFixture(GuestType type, boolean reuse) {
    this.type = type;
    this.reuse = reuse;
    RealXen.assumePresent();
    try {
      Files.createDirectories(RealXen.scratchRoot());
      scratch = Files.createTempDirectory(RealXen.scratchRoot(), "fixture-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    hypervisor = Libxl.open();
    awaiting = new BootAwaitingHypervisor(hypervisor, BOOT_TIMEOUT);
  }

  /**
   * A fixture of PV guests that takes a guest an earlier such fixture handed on, and hands its own on if
   * the test left it as it was started (see the class comment).
   */
  public static RealXenFixture reusingPristineGuests() {
    return new RealXenFixture(GuestType.PV, true);
  }

  /** The libxl hypervisor, waiting for a guest's boot before its first checkpoint. */
  @Override
  public Hypervisor hypervisor() {
    return awaiting;
  }

  /** The libxl hypervisor itself, typed. */
  public LibxlHypervisor libxl() {
    return hypervisor;
  }

  @Override
  public DiskImages images() {
    return images;
  }

  @Override
  public Path scratchDirectory() {
    return scratch;
  }

  @Override
  public DomainRef startDomain() throws Exception {
    if (reuse) {
      Optional<Handed> parked = takeParked();
      if (parked.isPresent()) {
        Guest g = parked.get().guest();
        started.add(g.ref().uuid());
        handed.put(g.ref().uuid(), parked.get());
        return g.ref();
      }
    }
    return create().ref();
  }

  /** A parked guest whose instance still runs as it was handed on, if there is one. */
  private Optional<Handed> takeParked() {
    while (true) {
      Handed h;
      synchronized (RealXenFixture.class) {
        h = PARKED.pollFirst();
      }
      if (h == null) {
        return Optional.empty();
      }
      if (pristine(h)) {
        return Optional.of(h);
      }
      destroyAll(h.guest().ref().uuid());
      deleteGuestFiles(h.guest());
    }
  }

  /**
   * Whether a guest is as it was started: the same instance, running, one disk on its own image without
   * internal snapshots, and libxl's stored configuration naming that image. Any error reading it says no.
   */
  private boolean pristine(Handed h) {
    try {
      Optional<DomainInfo> d = hypervisor.find(DomainSelector.byUuid(h.guest().ref().uuid()));
      if (d.isEmpty() || d.get().ref().domid() != h.domid()) {
        return false;
      }
      var state = d.get().state();
      if (!state.isActive() || state.paused() || state.isSuspended() || state.shutdown().isPresent()) {
        return false;
      }
      var disks = hypervisor.disks(d.get().ref());
      return disks.size() == 1 && disks.get(0).image().equals(Optional.of(h.guest().image()))
          && images.info(h.guest().image()).internalSnapshots().isEmpty()
          && hypervisor.configuration(d.get().ref()).content().contains(h.guest().image().toString());
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The UUIDs of the guests this fixture started, in order. */
  public List<UUID> startedUuids() {
    return List.copyOf(started);
  }

  /** A started guest: its ref, its qcow2 image and its console. */
  public record Guest(DomainRef ref, Path image, GuestConsole console) {}

  /** Starts a counter guest and waits until it has ticked once. */
  public Guest startGuest() throws Exception {
    return startGuest(List.of());
  }

  /**
   * Starts a counter guest with more disks and waits until it has ticked once. The counter is on
   * {@code xvda}; each further disk is a qcow2 overlay of its own over the shared empty base, on qdisk,
   * named {@code <guest>.<vdev>.qcow2} in the scratch directory.
   *
   * @param moreDisks the further disks' virtual devices, such as {@code xvdb}
   */
  public Guest startGuest(List<String> moreDisks) throws Exception {
    Guest guest = create(moreDisks);
    guest.console().awaitTicks(0, 1, BOOT_TIMEOUT);
    awaiting.booted(guest.ref().name());
    return guest;
  }

  /** Starts a counter guest: returns once {@code xl create} has, the guest still booting. */
  private Guest create() throws Exception {
    return create(List.of());
  }

  private Guest create(List<String> moreDisks) throws Exception {
    UUID uuid = UUID.randomUUID();
    String name = "xlsnap-" + uuid.toString().substring(0, 8);
    Path base = baseImage();
    // a guest that may be handed on keeps its files outside this fixture's scratch directory
    Path dir = reuse ? poolDirectory() : scratch;
    Path image = dir.resolve(name + ".qcow2");
    images.createOverlay(image, base, DiskFormat.QCOW2);
    StringBuilder disks = new StringBuilder("'format=qcow2, vdev=xvda, access=rw, backendtype=qdisk, target=" + image + "'");
    for (String vdev : moreDisks) {
      Path more = dir.resolve(name + "." + vdev + ".qcow2");
      images.createOverlay(more, base, DiskFormat.QCOW2);
      disks.append(", 'format=qcow2, vdev=").append(vdev).append(", access=rw, backendtype=qdisk, target=")
          .append(more).append("'");
    }
    Path cfg = dir.resolve(name + ".cfg");
    Files.writeString(cfg, String.join("\n",
        "name = \"" + name + "\"",
        "uuid = \"" + uuid + "\"",
        "type = \"" + type.name().toLowerCase(java.util.Locale.ROOT) + "\"",
        "kernel = \"" + RealXen.kernel().orElseThrow() + "\"",
        "ramdisk = \"" + RealXen.ramdisk().orElseThrow() + "\"",
        // sysrq_always_enabled: Debian's default kernel.sysrq (438) masks the crash key that xl sysrq c sends
        "extra = \"console=hvc0 rdinit=/init loglevel=4 sysrq_always_enabled\"",
        "memory = " + RealXen.GUEST_MEMORY_MIB,
        "vcpus = 1",
        "on_crash = \"preserve\"",
        "disk = [ " + disks + " ]",
        ""), StandardCharsets.UTF_8);
    started.add(uuid);
    run(Duration.ofSeconds(240), "xl", "create", "-q", cfg.toString());
    DomainRef ref = hypervisor.find(DomainSelector.byName(name)).map(DomainInfo::ref)
        .orElseThrow(() -> new AssertionError("xl create returned but no domain " + name));
    Guest guest = new Guest(ref, image, new GuestConsole(name));
    handed.put(uuid, new Handed(guest, ref.domid()));
    return guest;
  }

  private static Path poolDirectory() throws IOException {
    return Files.createDirectories(RealXen.scratchRoot().resolve("pool"));
  }

  /** Removes a pooled guest's image and configuration. */
  private static void deleteGuestFiles(Guest g) {
    String name = g.ref().name();
    try (Stream<Path> files = Files.list(g.image().getParent())) {
      files.filter(f -> f.getFileName().toString().startsWith(name + ".")).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // best effort: dom0's tmpfs goes away with the run
    }
  }

  private static synchronized Path baseImage() {
    Path base = RealXen.scratchRoot().resolve("base.qcow2");
    if (!Files.exists(base)) {
      QemuImg.system().create(base, DiskFormat.QCOW2, 16L << 20);
    }
    return base;
  }

  /** Runs a dom0 command (e.g. {@code xl}), failing with its output unless it exits 0. */
  public static String run(Duration timeout, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    p.getOutputStream().close();
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within " + timeout);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " exited " + p.exitValue() + ": " + out);
    }
    return out;
  }

  /** Destroys every instance with that UUID; returns the last failure, if any. */
  private RuntimeException destroyAll(UUID uuid) {
    RuntimeException failure = null;
    for (int i = 0; i < 3; i++) {
      Optional<DomainInfo> d = hypervisor.find(DomainSelector.byUuid(uuid));
      if (d.isEmpty()) {
        break;
      }
      try {
        hypervisor.destroy(d.get().ref());
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    return failure;
  }

  /** Hands a guest on to the next reusing fixture; at JVM exit, {@code xl destroy} ends any left. */
  private static void park(Handed h) {
    synchronized (RealXenFixture.class) {
      PARKED.addLast(h);
      if (!hookAdded) {
        hookAdded = true;
        Runtime.getRuntime().addShutdownHook(new Thread(RealXenFixture::destroyParked, "realxen-parked-guests"));
      }
    }
  }

  private static void destroyParked() {
    List<Handed> left;
    synchronized (RealXenFixture.class) {
      left = new ArrayList<>(PARKED);
      PARKED.clear();
    }
    for (Handed h : left) {
      try {
        run(Duration.ofSeconds(60), "xl", "destroy", Integer.toString(h.domid()));
      } catch (IOException | InterruptedException | AssertionError e) {
        // the stage's dom0 powers off next
      }
    }
  }

  /**
   * Destroys any instance of the started guests (or hands an untouched one on, see the class comment),
   * closes the hypervisor and removes the scratch files.
   */
  @Override
  public void close() {
    RuntimeException failure = null;
    for (UUID uuid : started) {
      Handed h = handed.get(uuid);
      if (reuse && h != null && pristine(h)) {
        park(h);
        continue;
      }
      RuntimeException e = destroyAll(uuid);
      failure = e != null ? e : failure;
      if (reuse && h != null) {
        deleteGuestFiles(h.guest());
      }
    }
    hypervisor.close();
    try (Stream<Path> files = Files.walk(scratch)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    } catch (IOException e) {
      // best effort: dom0's tmpfs goes away with the run
    }
    if (failure != null) {
      throw failure;
    }
  }
}
