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
import java.util.Comparator;
import java.util.List;
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
    this.type = type;
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
    return create().ref();
  }

  /** A started guest: its ref, its qcow2 image and its console. */
  public record Guest(DomainRef ref, Path image, GuestConsole console) {}

  /** Starts a counter guest and waits until it has ticked once. */
  public Guest startGuest() throws Exception {
    Guest guest = create();
    guest.console().awaitTicks(0, 1, BOOT_TIMEOUT);
    awaiting.booted(guest.ref().name());
    return guest;
  }

  /** Starts a counter guest: returns once {@code xl create} has, the guest still booting. */
  private Guest create() throws Exception {
    UUID uuid = UUID.randomUUID();
    String name = "xlsnap-" + uuid.toString().substring(0, 8);
    Path base = baseImage();
    Path image = scratch.resolve(name + ".qcow2");
    images.createOverlay(image, base, DiskFormat.QCOW2);
    Path cfg = scratch.resolve(name + ".cfg");
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
        "disk = [ 'format=qcow2, vdev=xvda, access=rw, backendtype=qdisk, target=" + image + "' ]",
        ""), StandardCharsets.UTF_8);
    started.add(uuid);
    run(Duration.ofSeconds(240), "xl", "create", "-q", cfg.toString());
    DomainRef ref = hypervisor.find(DomainSelector.byName(name)).map(DomainInfo::ref)
        .orElseThrow(() -> new AssertionError("xl create returned but no domain " + name));
    return new Guest(ref, image, new GuestConsole(name));
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

  /** Destroys any instance of the started guests, closes the hypervisor and removes the scratch files. */
  @Override
  public void close() {
    RuntimeException failure = null;
    for (UUID uuid : started) {
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
