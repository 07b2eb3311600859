package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import com.google.common.collect.Lists;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.internal.DiskPlanner;
import io.github.xlsnap.core.internal.DiskPlanner.PlannedDisk;
import io.github.xlsnap.core.internal.ImageGraph;
import io.github.xlsnap.core.internal.Intent;
import io.github.xlsnap.core.internal.PrivateFiles;
import io.github.xlsnap.core.internal.ProgressWatcher;
import io.github.xlsnap.core.internal.Rollback;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.RestoreRequest;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed design's {@code xl snapshot-*} commands as an API: {@link #create}, {@link #delete},
 * {@link #revert} and {@link #list}, plus {@link #info}, {@link #current}, {@link #tree} and the
 * guard on destroy, shutdown, save and migrate ({@link #checkGuard}).
 *
 * <p>The manager holds the snapshot semantics; the {@link Hypervisor} it is given only carries out
 * primitives and the {@link SnapshotStore} only keeps metadata. Disk images that no running process
 * holds are changed through {@link DiskImages} ({@code qemu-img} by default).
 *
 * <p><b>Atomicity.</b> Every operation either completes or is rolled back: disk snapshots, overlays
 * and memory images it made are removed, the domain is brought back to the state it had (never left
 * paused or suspended) and the metadata is unchanged. The one exception is a revert of a crashed or
 * shut-down domain that fails after its dead instance was destroyed: that instance cannot be brought
 * back, so the domain is gone, with its disks as they were (see {@link #revert}). A delete is atomic as seen through the
 * metadata: files that become garbage are removed after the metadata no longer names them, and a
 * failure to remove one is logged and reported in {@link DeleteResult#leftovers()}, never undone.
 *
 * <p><b>Threads.</b> Thread-safe. Operations on one domain are serialized in this JVM; operations
 * on different domains run in parallel. Each operation also holds the store's
 * {@linkplain SnapshotStore#lockDomain lease} of the domain, which serializes processes sharing a
 * store.
 *
 * <p><b>Ownership.</b> The manager does not own the hypervisor or the store: whoever built them
 * closes them.
 */
public final class SnapshotManager {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotManager.class);
  private static final String TAG_PREFIX = "xlsnap-";

  private final Hypervisor hypervisor;
  private final SnapshotStore store;
  private final DiskImages images;
  private final Clock clock;
  private final Supplier<String> ids;
  private final Optional<ProgressListener> progress;
  private final ConcurrentMap<UUID, ReentrantLock> locks = new ConcurrentHashMap<>();

  private SnapshotManager(Builder b) {
    this.hypervisor = b.hypervisor;
    this.store = b.store;
    this.images = b.images != null ? b.images : QemuImg.system();
    this.clock = b.clock;
    this.ids = b.ids;
    this.progress = b.progress;
  }

  /**
   * Starts building a manager.
   *
   * @param hypervisor the host's backend
   * @param store where metadata lives
   * @return a builder
   */
  public static Builder builder(Hypervisor hypervisor, SnapshotStore store) {
    return new Builder(hypervisor, store);
  }

  /** Builds a {@link SnapshotManager}. Not thread-safe. */
  public static final class Builder {
    private final Hypervisor hypervisor;
    private final SnapshotStore store;
    private DiskImages images;
    private Clock clock = Clock.systemUTC();
    private Supplier<String> ids = Builder::randomId;
    private Optional<ProgressListener> progress = Optional.empty();

    private Builder(Hypervisor hypervisor, SnapshotStore store) {
      this.hypervisor = requireNonNull(hypervisor, "hypervisor");
      this.store = requireNonNull(store, "store");
    }

    /**
     * Sets the disk image tool; default {@link QemuImg#system()}.
     *
     * @param value the tool
     * @return this builder
     */
    public Builder diskImages(DiskImages value) {
      images = requireNonNull(value, "diskImages");
      return this;
    }

    /**
     * Sets the clock that stamps creation times and default names; default UTC system clock.
     *
     * @param value the clock
     * @return this builder
     */
    public Builder clock(Clock value) {
      clock = requireNonNull(value, "clock");
      return this;
    }

    /**
     * Sets who hears the progress of memory images being written; default: nobody.
     *
     * @param value the listener
     * @return this builder
     */
    public Builder progressListener(ProgressListener value) {
      progress = Optional.of(requireNonNull(value, "progressListener"));
      return this;
    }

    /** For tests: a source of the ids that name internal snapshot tags and new files. */
    Builder ids(Supplier<String> value) {
      ids = requireNonNull(value, "ids");
      return this;
    }

    /**
     * Builds the manager.
     *
     * @return the manager
     */
    public SnapshotManager build() {
      return new SnapshotManager(this);
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private static String randomId() {
      byte[] b = new byte[6];
      RANDOM.nextBytes(b);
      return HexFormat.of().formatHex(b);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // create

  /**
   * Takes a snapshot of a domain's memory and disks ({@code xl snapshot-create}).
   *
   * <p>The domain is stopped while its memory is saved (or, with {@code live}, only for the last
   * round), its disks are snapshotted while it is suspended, so memory and disks come from one
   * instant, and it then runs again (or stays paused if it was). The new snapshot's parent is the
   * current snapshot, and it becomes current. The memory image is created with mode 0600.
   *
   * @param domain the domain, running or paused
   * @param spec what to take; see {@link CreateSpec} for the defaults
   * @return the new snapshot
   * @throws DomainNotFoundException if no domain matches
   * @throws DomainStateException if the domain is not running or paused
   * @throws SnapshotExistsException if the name is taken
   * @throws InvalidSnapshotSpecException if the spec is invalid for this domain
   */
  public Snapshot create(DomainSelector domain, CreateSpec spec) {
    requireNonNull(spec, "spec");
    return withDomain(domain, info -> createLocked(info, spec));
  }

  private Snapshot createLocked(DomainInfo info, CreateSpec spec) {
    DomainRef ref = info.ref();
    requireSnapshottable(info, "snapshot");
    DomainMetadata md = store.load(ref.uuid());
    SnapshotTree tree = md.tree();
    Instant now = clock.instant();
    Set<String> taken = new HashSet<>(tree.topologicalOrder());
    String name = spec.name().map(SnapshotNames::validate).orElseGet(() -> SnapshotNames.defaultName(now, taken));
    if (taken.contains(name)) {
      throw new SnapshotExistsException(ref.name(), name);
    }
    boolean memory = spec.memory().orElse(true);
    boolean live = spec.live().orElse(false);
    if (live && !memory) {
      throw new InvalidSnapshotSpecException("live", "a live snapshot saves memory; it cannot be taken without memory");
    }
    String id = ids.get();
    Optional<Path> memoryImage = memory ? Optional.of(memoryPath(ref, spec, name, id)) : Optional.empty();
    List<PlannedDisk> plan = DiskPlanner.plan(hypervisor.disks(ref), spec.disks(), TAG_PREFIX + id);
    String tag = TAG_PREFIX + id;
    List<DiskSnapshotRequest> requests = new ArrayList<>();
    for (PlannedDisk p : plan) {
      switch (p.mode()) {
        case INTERNAL -> requests.add(DiskSnapshotRequest.internal(p.disk().target(), tag));
        case EXTERNAL -> requests.add(DiskSnapshotRequest.external(p.disk().target(), p.overlay().orElseThrow()));
        case NONE -> { }
      }
    }

    boolean wasPaused = info.state().paused();
    List<Path> newFiles = new ArrayList<>();
    memoryImage.ifPresent(newFiles::add);
    plan.forEach(p -> p.overlay().ifPresent(newFiles::add));
    recordIntent(ref.uuid(), new Intent(Intent.Operation.CREATE, name, ref.domid(), wasPaused, memory, newFiles,
        requests, List.of(), List.of(), Map.of(), Optional.empty(), Optional.empty()));
    Rollback rollback = new Rollback("create snapshot '" + name + "' of " + ref.name());
    try {
      Optional<FileStamp> memoryStamp = Optional.empty();
      if (memoryImage.isPresent()) {
        Path file = memoryImage.get();
        createMemoryFile(file, "memory_path");
        rollback.add("delete memory image " + file, () -> PrivateFiles.deleteIfExists(file));
        CheckpointResult r = checkpoint(ref, file, live ? CheckpointMode.LIVE : CheckpointMode.STOPPED);
        rollback.add("resume " + ref.name(), () -> hypervisor.resume(ref));
        LOG.info("saved memory of {} to {}: {} bytes in {} round(s), guest stopped {} ms", ref.name(), file,
            r.bytesWritten(), r.rounds(), r.guestStopped().toMillis());
        memoryStamp = FileStamp.of(file);
      } else if (!wasPaused) {
        hypervisor.pause(ref);
        rollback.add("unpause " + ref.name(), () -> hypervisor.unpause(ref));
      }
      if (!requests.isEmpty()) {
        hypervisor.snapshotDisks(ref, requests);
        rollback.add("discard disk snapshots of " + ref.name(), () -> hypervisor.discardDiskSnapshots(ref, requests));
      }
      List<DiskSnapshot> disks = new ArrayList<>();
      Set<Path> owned = new HashSet<>(md.ownedImages());
      for (PlannedDisk p : plan) {
        String target = p.disk().target();
        switch (p.mode()) {
          case INTERNAL -> disks.add(DiskSnapshot.internal(target, p.disk().image().orElseThrow(), tag));
          case EXTERNAL -> {
            Path base = p.disk().image().orElseThrow();
            Path overlay = p.overlay().orElseThrow();
            disks.add(DiskSnapshot.external(target, base, p.disk().format(), overlay, FileStamp.of(base)));
            owned.add(overlay);
          }
          case NONE -> disks.add(DiskSnapshot.none(target));
        }
      }
      Snapshot snapshot = new Snapshot(name, now, spec.description().orElse(""), tree.current(), List.of(),
          info.state(), live, memoryImage, memoryStamp, disks);
      List<Snapshot> all = new ArrayList<>();
      for (Snapshot s : md.snapshots()) {
        if (tree.current().equals(Optional.of(s.name()))) {
          List<String> kids = new ArrayList<>(s.children());
          kids.add(name);
          s = s.withRelations(s.parent(), kids);
        }
        all.add(s);
      }
      all.add(snapshot);
      store.save(new DomainMetadata(ref.uuid(), all, Optional.of(name), owned));
      rollback.add("restore metadata of " + ref.name(), () -> store.save(md));
      if (memoryImage.isPresent()) {
        hypervisor.resume(ref);
      } else if (!wasPaused) {
        hypervisor.unpause(ref);
      }
      rollback.clear();
      clearIntent(ref.uuid());
      LOG.info("created snapshot '{}' of {}", name, ref.name());
      return snapshot;
    } catch (RuntimeException | Error e) {
      if (rollback.undo(e)) {
        clearIntent(ref.uuid());
      }
      throw e;
    }
  }

  private CheckpointResult checkpoint(DomainRef ref, Path file, CheckpointMode mode) {
    if (progress.isEmpty()) {
      return hypervisor.checkpoint(ref, file, mode);
    }
    ProgressWatcher watcher = new ProgressWatcher(progress.get(), ref, file);
    try {
      return hypervisor.checkpoint(ref, file, mode);
    } finally {
      watcher.close();
    }
  }

  private Path memoryPath(DomainRef ref, CreateSpec spec, String name, String id) {
    if (spec.memoryPath().isPresent()) {
      Path p = spec.memoryPath().get();
      if (!p.isAbsolute()) {
        throw new InvalidSnapshotSpecException("memory_path", "memory image path " + p + " is not absolute");
      }
      if (Files.exists(p)) {
        throw new InvalidSnapshotSpecException("memory_path", "memory image " + p + " already exists");
      }
      Path parent = p.getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        throw new InvalidSnapshotSpecException("memory_path", "directory of memory image " + p + " does not exist");
      }
      return p;
    }
    Path dir = store.dataDirectory(ref.uuid());
    PrivateFiles.createDirectories(dir);
    String file = name + ".memory";
    boolean plain = file.getBytes(StandardCharsets.UTF_8).length <= 255 && !name.startsWith(".");
    return dir.resolve(plain ? file : TAG_PREFIX + id + ".memory");
  }

  private static void createMemoryFile(Path file, String field) {
    try {
      PrivateFiles.createFile(file);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new InvalidSnapshotSpecException(field, "memory image " + file + " already exists");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create memory image " + file, e);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // delete

  /**
   * Deletes snapshots ({@code xl snapshot-delete}).
   *
   * <p>{@link DeleteMode#MERGE} deletes only this snapshot: its children take its parent as theirs, and
   * its disk data is merged so that every remaining snapshot still reverts to exactly its own state
   * (an internal qcow2 snapshot is simply removed; an overlay that no snapshot needs any longer is
   * merged into the images built on it with {@code qemu-img rebase} and removed).
   * {@link DeleteMode#CHILDREN} deletes it and all its descendants, leaves first;
   * {@link DeleteMode#CHILDREN_ONLY} only the descendants. If the current snapshot is deleted, its
   * nearest surviving ancestor becomes current.
   *
   * <p>The domain may be running. If it no longer exists, give it by UUID: its metadata and files are
   * still cleaned up.
   *
   * @param domain the domain
   * @param name the snapshot
   * @param mode what to delete
   * @return what was deleted, and what could not be cleaned up
   * @throws SnapshotNotFoundException if the domain has no such snapshot
   */
  public DeleteResult delete(DomainSelector domain, String name, DeleteMode mode) {
    requireNonNull(name, "name");
    requireNonNull(mode, "mode");
    Optional<DomainInfo> found = hypervisor.find(domain);
    if (found.isEmpty() && domain instanceof DomainSelector.ByUuid byUuid) {
      return withLock(byUuid.uuid(), () -> deleteLocked(Optional.empty(), byUuid.uuid(), domain.toString(), name, mode));
    }
    return withDomain(domain, info -> deleteLocked(Optional.of(info), info.ref().uuid(), info.ref().name(), name, mode));
  }

  private DeleteResult deleteLocked(
      Optional<DomainInfo> info, UUID uuid, String domainName, String name, DeleteMode mode) {
    DomainMetadata md = store.load(uuid);
    SnapshotTree tree = md.tree();
    Snapshot target = tree.find(name).orElseThrow(() -> new SnapshotNotFoundException(domainName, name));
    List<String> descendants = tree.descendants(name);
    List<String> doomed = new ArrayList<>();
    switch (mode) {
      case MERGE -> doomed.add(name);
      case CHILDREN -> {
        doomed.addAll(Lists.reverse(descendants));
        doomed.add(name);
      }
      case CHILDREN_ONLY -> doomed.addAll(Lists.reverse(descendants));
    }
    Set<String> gone = Set.copyOf(doomed);

    // The new relations.
    Map<String, Snapshot> survivors = new LinkedHashMap<>();
    for (Snapshot s : md.snapshots()) {
      if (!gone.contains(s.name())) {
        survivors.put(s.name(), s);
      }
    }
    for (Snapshot s : List.copyOf(survivors.values())) {
      Optional<String> parent = s.parent();
      if (parent.isPresent() && gone.contains(parent.get())) {
        parent = target.parent(); // only MERGE keeps children of a deleted snapshot
      }
      List<String> kids = new ArrayList<>();
      for (String k : s.children()) {
        if (!gone.contains(k)) {
          kids.add(k);
        } else if (mode == DeleteMode.MERGE && k.equals(name)) {
          kids.addAll(target.children());
        }
      }
      survivors.put(s.name(), s.withRelations(parent, kids));
    }
    Optional<String> current = md.current();
    if (current.isPresent() && gone.contains(current.get())) {
      current = nearestSurvivor(tree, current.get(), gone);
    }

    // Disk data: merge what can be merged before the metadata changes (merging keeps every image's
    // contents), delete what is garbage after.
    List<DomainDisk> activeDisks = info.map(i -> hypervisor.disks(i.ref())).orElse(List.of());
    Set<Path> referenced = referencedImages(survivors.values(), activeDisks);
    ImageGraph graph = new ImageGraph(images);
    Set<Path> held = heldImages(graph, info, activeDisks);
    ImageGraph.Plan plan = info.isPresent()
        ? graph.plan(referenced, md.ownedImages(), held)
        : new ImageGraph.Plan(List.of(), Set.of()); // without the domain, its disks are unknown: keep every image
    List<Map.Entry<Path, String>> cleanup = new ArrayList<>();
    for (String n : doomed) {
      Snapshot s = tree.get(n);
      for (DiskSnapshot d : s.disks()) {
        if (d.mode() == DiskSnapshotMode.INTERNAL) {
          cleanup.add(Map.entry(d.image().orElseThrow(), d.tag().orElseThrow()));
        }
      }
      s.memoryImage().ifPresent(m -> cleanup.add(Map.entry(m, "")));
    }
    plan.garbage().forEach(g -> cleanup.add(Map.entry(g, "")));
    recordIntent(uuid, new Intent(Intent.Operation.DELETE, name, info.map(i -> i.ref().domid()).orElse(0), false,
        false, List.of(), List.of(), doomed, cleanup, Map.of(), Optional.empty(), Optional.empty()));
    Set<Path> rewritten = new HashSet<>();
    Set<Path> owned = new HashSet<>(md.ownedImages());
    owned.removeAll(plan.garbage());
    List<Snapshot> kept;
    try {
      for (ImageGraph.Rebase r : plan.rebases()) {
        images.rebase(r.image(), r.newBacking(), r.newBackingFormat()); // keeps what every image reads
        rewritten.add(r.image());
      }
      kept = restamp(survivors.values(), rewritten);
      store.save(new DomainMetadata(uuid, kept, current, owned));
    } catch (RuntimeException | Error e) {
      clearIntent(uuid); // nothing was committed; the rebases changed no image's contents
      throw e;
    }
    LOG.info("deleted snapshot(s) {} of {}", doomed, domainName);

    List<String> leftovers = new ArrayList<>();
    Set<Path> trimmed = new HashSet<>();
    for (String n : doomed) {
      Snapshot s = tree.get(n);
      for (DiskSnapshot d : s.disks()) {
        if (d.mode() == DiskSnapshotMode.INTERNAL) {
          Path image = d.image().orElseThrow();
          String tag = d.tag().orElseThrow();
          if (plan.garbage().contains(image) || !Files.exists(image)) {
            continue; // the image goes as a whole
          }
          bestEffort(leftovers, "internal snapshot " + tag + " in " + image, () -> {
            deleteInternal(info, activeDisks, held, d.target(), image, tag);
            trimmed.add(image);
          });
        }
      }
      s.memoryImage().ifPresent(m -> bestEffort(leftovers, "memory image " + m, () -> PrivateFiles.deleteIfExists(m)));
    }
    for (Path g : plan.garbage()) {
      bestEffort(leftovers, "image " + g, () -> PrivateFiles.deleteIfExists(g));
    }
    List<Snapshot> restamped = restamp(kept, trimmed);
    if (!restamped.equals(kept)) {
      // removing an internal snapshot rewrites the file, not the contents other snapshots rely on
      DomainMetadata updated = new DomainMetadata(uuid, restamped, current, owned);
      bestEffort(leftovers, "new stamps of images " + trimmed, () -> store.save(updated));
    }
    clearIntent(uuid);
    return new DeleteResult(doomed, current, leftovers);
  }

  /**
   * Records the new stamps of frozen images that xlsnap itself rewrote without changing what they
   * read as (a rebase, a removed internal snapshot), so that a later revert does not take them for
   * images changed behind its back.
   */
  private static List<Snapshot> restamp(java.util.Collection<Snapshot> snapshots, Set<Path> rewritten) {
    List<Snapshot> out = new ArrayList<>();
    for (Snapshot s : snapshots) {
      List<DiskSnapshot> disks = new ArrayList<>();
      boolean changed = false;
      for (DiskSnapshot d : s.disks()) {
        if (d.mode() == DiskSnapshotMode.EXTERNAL && rewritten.contains(d.image().orElseThrow())) {
          d = DiskSnapshot.external(d.target(), d.image().orElseThrow(), d.format(), d.overlay().orElseThrow(),
              FileStamp.of(d.image().orElseThrow()));
          changed = true;
        }
        disks.add(d);
      }
      out.add(changed ? new Snapshot(s.name(), s.createTime(), s.description(), s.parent(), s.children(),
          s.domainState(), s.live(), s.memoryImage(), s.memoryStamp(), disks) : s);
    }
    return List.copyOf(out);
  }

  private static Optional<String> nearestSurvivor(SnapshotTree tree, String from, Set<String> gone) {
    for (String a : tree.ancestors(from)) {
      if (!gone.contains(a)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  private void deleteInternal(
      Optional<DomainInfo> info, List<DomainDisk> activeDisks, Set<Path> held, String target, Path image, String tag) {
    if (!held.contains(image)) {
      images.deleteInternalSnapshot(image, tag);
      return;
    }
    Optional<DomainDisk> active = activeDisks.stream().filter(d -> d.image().equals(Optional.of(image))).findFirst();
    if (active.isPresent() && info.isPresent()) {
      hypervisor.deleteInternalDiskSnapshot(info.get().ref(), active.get().target(), tag);
      return;
    }
    throw new DiskImageException(image, List.of(), -1, "image " + image + " of disk " + target
        + " is a backing file held open by the running device model; its internal snapshot " + tag
        + " can be deleted once the domain no longer runs on it", null);
  }

  /**
   * The images a device model holds open: the disks' images and their backing chains, whenever the
   * domain exists in any state (the device model of a crashed or shut-down domain that Xen preserves
   * runs until the domain is destroyed).
   */
  private Set<Path> heldImages(ImageGraph graph, Optional<DomainInfo> info, List<DomainDisk> activeDisks) {
    if (info.isEmpty()) {
      return Set.of();
    }
    Set<Path> tops = new HashSet<>();
    for (DomainDisk d : activeDisks) {
      if (d.heldByDeviceModel()) {
        d.image().ifPresent(tops::add);
      }
    }
    return tops.isEmpty() ? Set.of() : graph.chains(tops);
  }

  private static Set<Path> referencedImages(java.util.Collection<Snapshot> snapshots, List<DomainDisk> activeDisks) {
    Set<Path> referenced = new HashSet<>();
    for (DomainDisk d : activeDisks) {
      d.image().ifPresent(referenced::add);
    }
    for (Snapshot s : snapshots) {
      for (DiskSnapshot d : s.disks()) {
        d.image().ifPresent(referenced::add);
      }
    }
    return referenced;
  }

  private static void bestEffort(List<String> leftovers, String what, Runnable action) {
    try {
      action.run();
    } catch (RuntimeException e) {
      LOG.warn("could not remove {}: {}", what, e.getMessage(), e);
      leftovers.add(what + ": " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------------------
  // revert

  /**
   * Returns a domain to a snapshot's state ({@code xl snapshot-revert}): the domain's present instance
   * is replaced by one restored from the snapshot's memory image and disks, running or paused as
   * {@link RevertOptions#target()} says. The snapshot becomes current. Everything since the snapshot is
   * lost, as intended; but if the revert of a running or paused domain fails, the domain is brought
   * back exactly as it was (a rollback memory image of the present instance is saved first for that
   * purpose).
   *
   * <p>Disks are never changed in a way that another snapshot could notice: an internal snapshot is
   * applied in place only to an image no other snapshot or image depends on, else its state is copied
   * into a new image; an external snapshot gets a new overlay over its frozen image.
   *
   * <p><b>Risky reverts</b> need {@link RevertOptions#force()}: a snapshot without memory (the domain
   * boots from the snapshot's disks, as after a power cut); a memory image that is missing (with force:
   * boot from disks) or changed since the snapshot; a disk the snapshot did not capture, or that the
   * domain gained or lost since (it keeps its present contents); a frozen disk image changed since the
   * snapshot. A snapshot whose disk data is gone cannot be reverted to even with force.
   *
   * <p><b>A crashed or shut-down domain</b> (kept by {@code on_crash="preserve"},
   * {@code on_poweroff="preserve"} and the like: shut down for any reason but suspend, not dying) is
   * reverted too, the usual way back after a crash. Its instance no longer runs, so there is nothing to
   * save: no rollback memory image is written; the dead instance is destroyed (its memory, a crash's
   * core, is discarded: take {@code xl dump-core} first to keep it), the snapshot's disks are applied
   * and the domain is restored from the snapshot, with the configuration libxl kept for the dead
   * instance. This needs no {@link RevertOptions#force()} of its own: force is for reverts whose
   * result may not be the snapshot's state, and here nothing that runs is lost that a successful revert
   * of a running domain would keep. The risks above still need force. A failure after the dead instance
   * was destroyed cannot bring it back (a crashed instance cannot be restored): what the revert created
   * is removed, each disk image is put back as it was (a disk the snapshot changes in place gets a
   * rollback internal snapshot first, taken once the instance is gone, and applied back), and the
   * exception, an {@link InstanceLostException} caused by the failure, says that the instance was destroyed
   * and not brought back and that its disks are as they were; the domain is then gone from the host,
   * to be created again from its configuration file.
   *
   * @param domain the domain: running, paused, or crashed or shut down and preserved
   * @param name the snapshot
   * @param options the state to leave the domain in, and force
   * @return the domain's new instance
   * @throws DomainNotFoundException if no domain matches
   * @throws DomainStateException if the domain is Domain-0, is dying, or is suspended (its memory
   *     saved by a checkpoint or {@code xl save}, waiting to be resumed or destroyed)
   * @throws SnapshotNotFoundException if the domain has no such snapshot
   * @throws RiskyRevertException if the revert is risky and force is not set
   * @throws SnapshotDamagedException if the snapshot's disk data is gone
   * @throws InstanceLostException if a revert of a crashed or shut-down domain failed after its instance
   *     was destroyed (see above); other failures throw what failed, with the domain as it was
   */
  public DomainRef revert(DomainSelector domain, String name, RevertOptions options) {
    requireNonNull(name, "name");
    requireNonNull(options, "options");
    return withDomain(domain, info -> revertLocked(info, name, options));
  }

  private DomainRef revertLocked(DomainInfo info, String name, RevertOptions options) {
    DomainRef ref = info.ref();
    requireRevertible(info);
    RevertPlan plan = planRevert(info, name, options);
    DomainState state = info.state();
    return state.isActive() ? revertActive(ref, state, plan) : revertInactive(ref, state, plan);
  }

  /**
   * What a revert will do, worked out before the domain is touched.
   *
   * @param snap the snapshot
   * @param memory its memory image, empty to boot from disks
   * @param paused whether the new instance stays paused
   * @param disks the present instance's disks
   * @param activeByTarget the same, by target
   * @param inPlace the internal snapshots applied in place
   * @param rollbackRequests rollback internal snapshots of the images changed in place
   * @param rollbackTag their tag
   * @param oldImages the present instance's images, by target
   * @param freshImages the new images, by target
   * @param config the present instance's configuration
   * @param id the id naming the revert's files
   */
  private record RevertPlan(Snapshot snap, Optional<Path> memory, boolean paused, List<DomainDisk> disks,
      Map<String, DomainDisk> activeByTarget, List<DiskSnapshot> inPlace, List<DiskSnapshotRequest> rollbackRequests,
      String rollbackTag, Map<String, Path> oldImages, Map<String, Path> freshImages, DomainConfiguration config,
      String id) {}

  private RevertPlan planRevert(DomainInfo info, String name, RevertOptions options) {
    DomainRef ref = info.ref();
    DomainMetadata md = store.load(ref.uuid());
    SnapshotTree tree = md.tree();
    Snapshot snap = tree.find(name).orElseThrow(() -> new SnapshotNotFoundException(ref.name(), name));
    List<DomainDisk> disks = hypervisor.disks(ref);
    Map<String, DomainDisk> activeByTarget = new LinkedHashMap<>();
    disks.forEach(d -> activeByTarget.put(d.target(), d));

    // Look before leaping: everything that can be checked is checked before the domain is touched.
    List<String> risks = new ArrayList<>();
    Optional<Path> memory = snap.memoryImage();
    if (memory.isEmpty()) {
      risks.add("snapshot '" + name + "' has no memory image: the domain boots from its disks, as after a power cut");
    } else {
      Optional<FileStamp> now = FileStamp.of(memory.get());
      if (now.isEmpty()) {
        risks.add("memory image " + memory.get() + " is missing: the domain boots from the snapshot's disks");
        memory = Optional.empty();
      } else if (snap.memoryStamp().isPresent() && !snap.memoryStamp().equals(now)) {
        risks.add("memory image " + memory.get() + " changed since the snapshot was taken");
      }
    }
    for (DiskSnapshot d : snap.disks()) {
      if (!activeByTarget.containsKey(d.target())) {
        risks.add("disk " + d.target() + " of the snapshot is no longer attached to the domain");
      } else if (d.mode() == DiskSnapshotMode.NONE) {
        risks.add("disk " + d.target() + " was not captured and keeps its present contents");
      }
      checkDiskData(ref, snap, d, risks);
    }
    for (String target : activeByTarget.keySet()) {
      if (snap.disk(target).isEmpty()) {
        risks.add("disk " + target + " did not exist when the snapshot was taken and keeps its present contents");
      }
    }
    if (!risks.isEmpty() && !options.force()) {
      throw new RiskyRevertException(ref.name(), name, risks);
    }
    risks.forEach(r -> LOG.warn("forced revert of {} to '{}': {}", ref.name(), name, r));
    boolean paused = switch (options.target()) {
      case AS_TAKEN -> snap.domainState().paused();
      case RUNNING -> false;
      case PAUSED -> true;
    };

    // Which disk states are applied in place, which get a new image.
    ImageGraph graph = new ImageGraph(images);
    Set<Path> frozen = frozenImages(graph, md, disks);
    String id = ids.get();
    String rollbackTag = TAG_PREFIX + "rollback-" + id;
    List<DiskSnapshot> inPlace = new ArrayList<>();
    for (DiskSnapshot d : snap.disks()) {
      if (d.mode() == DiskSnapshotMode.INTERNAL && activeByTarget.containsKey(d.target())
          && !frozen.contains(d.image().orElseThrow())) {
        inPlace.add(d);
      }
    }
    List<DiskSnapshotRequest> rollbackRequests = new ArrayList<>();
    for (DiskSnapshot d : inPlace) {
      if (activeByTarget.get(d.target()).image().equals(d.image())) {
        rollbackRequests.add(DiskSnapshotRequest.internal(d.target(), rollbackTag));
      }
    }
    Map<String, Path> oldImages = new LinkedHashMap<>();
    disks.forEach(d -> d.image().ifPresent(p -> oldImages.put(d.target(), p)));

    Map<String, Path> freshImages = new LinkedHashMap<>();
    for (DiskSnapshot d : snap.disks()) {
      if (activeByTarget.containsKey(d.target()) && d.mode() != DiskSnapshotMode.NONE && !inPlace.contains(d)) {
        Path image = d.image().orElseThrow();
        freshImages.put(d.target(), image.resolveSibling(stem(image) + "." + TAG_PREFIX + id + ".qcow2"));
      }
    }
    DomainConfiguration config = hypervisor.configuration(ref);
    return new RevertPlan(snap, memory, paused, disks, activeByTarget, inPlace, rollbackRequests, rollbackTag,
        oldImages, freshImages, config, id);
  }

  /** Reverts a running or paused domain, saving its present instance first so that a failure brings it back. */
  private DomainRef revertActive(DomainRef ref, DomainState state, RevertPlan plan) {
    String name = plan.snap().name();
    boolean wasPaused = state.paused();
    DomainConfiguration config = plan.config();
    List<DiskSnapshotRequest> rollbackRequests = plan.rollbackRequests();
    Map<String, Path> oldImages = plan.oldImages();
    String rollbackTag = plan.rollbackTag();
    Path dataDir = store.dataDirectory(ref.uuid());
    PrivateFiles.createDirectories(dataDir);
    Path rollbackMemory = dataDir.resolve(".rollback-" + plan.id() + ".memory");
    List<Path> newFiles = new ArrayList<>(List.of(rollbackMemory));
    newFiles.addAll(plan.freshImages().values());
    recordIntent(ref.uuid(), new Intent(Intent.Operation.REVERT, name, ref.domid(), wasPaused, true, newFiles,
        rollbackRequests, List.of(), List.of(), oldImages,
        Optional.of(rollbackMemory), Optional.of(config)));
    Rollback rollback = new Rollback("revert " + ref.name() + " to '" + name + "'");
    try {
      // 1. Save the present instance, so that a failure can bring it back.
      createMemoryFile(rollbackMemory, "rollback memory image");
      rollback.add("delete " + rollbackMemory, () -> PrivateFiles.deleteIfExists(rollbackMemory));
      checkpoint(ref, rollbackMemory, CheckpointMode.STOPPED);
      rollback.add("resume " + ref.name(), () -> hypervisor.resume(ref));
      if (!rollbackRequests.isEmpty()) {
        hypervisor.snapshotDisks(ref, rollbackRequests);
        rollback.add("discard rollback disk snapshots", () -> hypervisor.discardDiskSnapshots(ref, rollbackRequests));
      }

      // 2. The point of no return for the old instance: from here, undo means restoring it.
      hypervisor.destroy(ref);
      rollback.clear();
      // If this undo fails, the rollback memory image stays for an operator to restore by hand.
      rollback.add("restore the previous instance of " + ref.name() + " from " + rollbackMemory,
          () -> restorePrevious(config, rollbackMemory, rollbackRequests, oldImages, rollbackTag, wasPaused));

      // 3-5. The snapshot's disks, the new instance, the metadata.
      return applyAndRestore(ref, plan, Optional.of(rollbackMemory), rollback);
    } catch (RuntimeException | Error e) {
      if (rollback.undo(e)) {
        clearIntent(ref.uuid());
      }
      throw e;
    }
  }

  /**
   * Reverts a crashed or shut-down domain: nothing runs, so nothing is saved. A failure after the dead
   * instance is destroyed removes what the revert made and puts the disks back, and cannot bring the
   * instance back.
   */
  private DomainRef revertInactive(DomainRef ref, DomainState state, RevertPlan plan) {
    String name = plan.snap().name();
    List<DiskSnapshotRequest> rollbackRequests = plan.rollbackRequests();
    Map<String, Path> oldImages = plan.oldImages();
    String rollbackTag = plan.rollbackTag();
    recordIntent(ref.uuid(), new Intent(Intent.Operation.REVERT, name, ref.domid(), state.paused(), false,
        List.copyOf(plan.freshImages().values()), rollbackRequests, List.of(), List.of(), oldImages,
        Optional.empty(), Optional.of(plan.config())));
    Rollback rollback = new Rollback("revert " + state.word() + " " + ref.name() + " to '" + name + "'");
    boolean destroyed = false;
    try {
      // 1. The dead instance goes; its disks are kept, and put back if the revert fails.
      hypervisor.destroy(ref);
      destroyed = true;
      rollback.add("put back the disks of " + ref.name(),
          () -> putBackDisks(rollbackRequests, oldImages, rollbackTag, new ArrayList<>()));
      // No process holds the images any longer: the rollback snapshots are taken with the disk tool.
      for (DiskSnapshotRequest r : rollbackRequests) {
        images.createInternalSnapshot(oldImages.get(r.target()), rollbackTag);
      }

      // 2-4. The snapshot's disks, the new instance, the metadata.
      return applyAndRestore(ref, plan, Optional.empty(), rollback);
    } catch (RuntimeException e) {
      if (!destroyed) {
        clearIntent(ref.uuid()); // nothing was changed
        throw e;
      }
      boolean clean = rollback.undo(e);
      if (clean) {
        clearIntent(ref.uuid());
      }
      throw new InstanceLostException(ref.name(), name, clean, "revert of " + ref.name() + " to snapshot '" + name
          + "' failed: " + e.getMessage()
          + ". The " + state.word() + " instance (domid " + ref.domid() + ") was destroyed and is not brought back: "
          + "the domain no longer exists on the host; create it again from its configuration. " + (clean
          ? "Its disks are untouched: " + oldImages + "; the images the revert made were removed."
          : "Putting its disks back failed (see the suppressed exceptions); the operation record is kept, and "
          + "recover(" + ref.uuid() + ") retries it."), e);
    } catch (Error e) {
      if (rollback.undo(e)) {
        clearIntent(ref.uuid());
      }
      throw e;
    }
  }

  /**
   * Applies the snapshot's disks, restores the new instance and commits, the present instance being
   * destroyed; registers each undo with {@code rollback}.
   */
  private DomainRef applyAndRestore(DomainRef ref, RevertPlan plan, Optional<Path> rollbackMemory,
      Rollback rollback) {
    String name = plan.snap().name();
    // The snapshot's disks.
    Map<String, Path> newImages = new LinkedHashMap<>(plan.oldImages());
    Set<Path> created = new HashSet<>();
    for (DiskSnapshot d : plan.snap().disks()) {
      if (!plan.activeByTarget().containsKey(d.target()) || d.mode() == DiskSnapshotMode.NONE) {
        continue;
      }
      Path image = d.image().orElseThrow();
      if (d.mode() == DiskSnapshotMode.INTERNAL && plan.inPlace().contains(d)) {
        images.applyInternalSnapshot(image, d.tag().orElseThrow());
        newImages.put(d.target(), image);
      } else {
        Path fresh = plan.freshImages().get(d.target());
        if (d.mode() == DiskSnapshotMode.INTERNAL) {
          images.extractInternalSnapshot(image, d.tag().orElseThrow(), fresh);
        } else {
          images.createOverlay(fresh, image, d.format());
        }
        rollback.add("delete " + fresh, () -> PrivateFiles.deleteIfExists(fresh));
        created.add(fresh);
        newImages.put(d.target(), fresh);
      }
    }

    // The new instance.
    DomainRef restored = hypervisor.restore(new RestoreRequest(plan.config(), plan.memory(), newImages,
        plan.paused()));
    rollback.add("destroy the reverted instance " + restored, () -> hypervisor.destroy(restored));

    // The metadata: the snapshot is current, new images are owned. Then clean up.
    List<String> leftovers = commitRevert(ref.uuid(), name, created, newImages.values(), restored,
        plan.rollbackRequests(), plan.rollbackTag(), rollbackMemory, rollback);
    LOG.info("reverted {} to snapshot '{}' as {}{}", ref.name(), name, restored,
        leftovers.isEmpty() ? "" : "; left behind: " + leftovers);
    return restored;
  }

  /**
   * Puts the images of a destroyed crashed or shut-down instance back as they were: each rollback
   * internal snapshot present is applied and deleted. Idempotent, for recovery.
   */
  private void putBackDisks(List<DiskSnapshotRequest> rollbackRequests, Map<String, Path> oldImages,
      String rollbackTag, List<String> actions) {
    for (DiskSnapshotRequest r : rollbackRequests) {
      Path image = oldImages.get(r.target());
      if (image != null && Files.exists(image) && images.info(image).internalSnapshots().contains(rollbackTag)) {
        images.applyInternalSnapshot(image, rollbackTag);
        images.deleteInternalSnapshot(image, rollbackTag);
        actions.add("disk " + r.target() + " put back as it was in " + image);
      }
    }
  }

  /** Brings back the instance a revert destroyed, from its rollback memory image and disk snapshots. */
  private DomainRef restorePrevious(DomainConfiguration config, Path rollbackMemory,
      List<DiskSnapshotRequest> rollbackRequests, Map<String, Path> oldImages, String rollbackTag, boolean paused) {
    for (DiskSnapshotRequest r : rollbackRequests) {
      Path image = oldImages.get(r.target());
      if (images.info(image).internalSnapshots().contains(rollbackTag)) {
        images.applyInternalSnapshot(image, rollbackTag);
      }
    }
    DomainRef back = hypervisor.restore(new RestoreRequest(config, Optional.of(rollbackMemory), oldImages, paused));
    PrivateFiles.deleteIfExists(rollbackMemory);
    deleteRollbackTags(back, rollbackRequests, oldImages, rollbackTag);
    return back;
  }

  /**
   * Makes a revert permanent: the snapshot becomes current and the images made for it owned; then
   * removes the rollback files and the images nothing needs any longer. Idempotent, for recovery.
   *
   * @param rollbackMemory the rollback memory image, empty if the replaced instance was not running
   *
   * @param rollback cleared once the metadata is saved, if given
   * @return what could not be removed
   */
  private List<String> commitRevert(UUID uuid, String name, Set<Path> created, java.util.Collection<Path> newImages,
      DomainRef restored, List<DiskSnapshotRequest> rollbackRequests, String rollbackTag, Optional<Path> rollbackMemory,
      Rollback rollback) {
    DomainMetadata md = store.load(uuid);
    Set<Path> owned = new HashSet<>(md.ownedImages());
    owned.addAll(created);
    Set<Path> referenced = referencedImages(md.snapshots(), List.of());
    referenced.addAll(newImages);
    Set<Path> garbage = new ImageGraph(images).garbage(referenced, owned);
    owned.removeAll(garbage);
    store.save(new DomainMetadata(uuid, md.snapshots(), Optional.of(name), owned));
    rollback.clear();

    // failures from here on cost disk space, not correctness
    List<String> leftovers = new ArrayList<>();
    Map<String, Path> imagesByTarget = new LinkedHashMap<>();
    hypervisor.disks(restored).forEach(d -> d.image().ifPresent(p -> imagesByTarget.put(d.target(), p)));
    rollbackMemory.ifPresent(m ->
        bestEffort(leftovers, "rollback memory image " + m, () -> PrivateFiles.deleteIfExists(m)));
    bestEffort(leftovers, "rollback disk snapshots",
        () -> deleteRollbackTags(restored, rollbackRequests, imagesByTarget, rollbackTag));
    for (Path g : garbage) {
      bestEffort(leftovers, "image " + g, () -> PrivateFiles.deleteIfExists(g));
    }
    clearIntent(uuid);
    return leftovers;
  }

  private void deleteRollbackTags(
      DomainRef domain, List<DiskSnapshotRequest> requests, Map<String, Path> imagesByTarget, String tag) {
    if (requests.isEmpty()) {
      return;
    }
    Map<String, DomainDisk> now = new LinkedHashMap<>();
    hypervisor.disks(domain).forEach(d -> now.put(d.target(), d));
    for (DiskSnapshotRequest r : requests) {
      Path image = imagesByTarget.get(r.target());
      DomainDisk disk = now.get(r.target());
      if (disk != null && disk.heldByDeviceModel() && disk.image().equals(Optional.of(image))) {
        hypervisor.deleteInternalDiskSnapshot(domain, r.target(), tag);
      } else if (images.info(image).internalSnapshots().contains(tag)) {
        images.deleteInternalSnapshot(image, tag);
      }
    }
  }

  /**
   * The images whose present contents something relies on: frozen images of external snapshots, and
   * backing files of any image the domain or a snapshot uses.
   */
  private static Set<Path> frozenImages(ImageGraph graph, DomainMetadata md, List<DomainDisk> disks) {
    Set<Path> tops = new HashSet<>();
    Set<Path> frozen = new HashSet<>();
    for (DomainDisk d : disks) {
      d.image().ifPresent(tops::add);
    }
    for (Snapshot s : md.snapshots()) {
      for (DiskSnapshot d : s.disks()) {
        d.image().ifPresent(tops::add);
        if (d.mode() == DiskSnapshotMode.EXTERNAL) {
          frozen.add(d.image().orElseThrow());
        }
      }
    }
    // every image below another in a backing chain is a backing file
    for (Path p : tops) {
      for (Path q : graph.chains(Set.of(p))) {
        if (!q.equals(p)) {
          frozen.add(q);
        }
      }
    }
    return frozen;
  }

  private void checkDiskData(DomainRef ref, Snapshot snap, DiskSnapshot d, List<String> risks) {
    if (d.mode() == DiskSnapshotMode.NONE) {
      return;
    }
    Path image = d.image().orElseThrow();
    if (!Files.exists(image)) {
      throw new SnapshotDamagedException("snapshot '" + snap.name() + "' of " + ref.name() + ": image " + image
          + " of disk " + d.target() + " is missing");
    }
    if (d.mode() == DiskSnapshotMode.INTERNAL) {
      String tag = d.tag().orElseThrow();
      if (!images.info(image).internalSnapshots().contains(tag)) {
        throw new SnapshotDamagedException("snapshot '" + snap.name() + "' of " + ref.name() + ": image " + image
            + " of disk " + d.target() + " no longer holds internal snapshot " + tag);
      }
    } else if (d.imageStamp().isPresent() && !d.imageStamp().equals(FileStamp.of(image))) {
      risks.add("image " + image + " of disk " + d.target() + " changed since the snapshot was taken");
    }
  }

  private static String stem(Path image) {
    String file = image.getFileName().toString();
    int dot = file.indexOf('.');
    return dot > 0 ? file.substring(0, dot) : file;
  }

  // ---------------------------------------------------------------------------------------------
  // crash recovery

  /**
   * Finishes or undoes an operation on a domain that a crash interrupted (the process was killed
   * in the middle of a create, delete or revert). Every operation records its intent in the store
   * before it touches the domain; this reads that record and, depending on how far the operation
   * got, completes it (the metadata already committed it) or undoes it: the domain is resumed if it
   * was left suspended or paused, an instance destroyed by a revert is restored from its rollback
   * image, and partial memory images, overlays and disk snapshots are removed.
   *
   * <p>Every operation on a domain does this first, so calling it is only needed to recover domains
   * no one operates on: call {@link #recoverAll()} when an application starts.
   *
   * @param domain the domain's UUID
   * @return what was done, empty if no operation was interrupted
   */
  public Optional<Recovery> recover(UUID domain) {
    requireNonNull(domain, "domain");
    ReentrantLock lock = locks.computeIfAbsent(domain, u -> new ReentrantLock());
    lock.lock();
    try (SnapshotStore.Lease lease = store.lockDomain(domain, java.time.Duration.ofMinutes(10))) {
      return recoverLocked(domain);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new XlsnapException("recovery of domain " + domain + " failed: " + e.getMessage(), e);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Recovers every domain of the store that has an interrupted operation (see {@link #recover}).
   *
   * @return what was done, one entry per recovered domain
   */
  public List<Recovery> recoverAll() {
    List<Recovery> out = new ArrayList<>();
    for (UUID d : store.domains()) {
      if (store.loadIntent(d).isPresent()) {
        recover(d).ifPresent(out::add);
      }
    }
    return List.copyOf(out);
  }

  private void recordIntent(UUID domain, Intent intent) {
    store.saveIntent(domain, Optional.of(intent.encode()));
  }

  private void clearIntent(UUID domain) {
    store.saveIntent(domain, Optional.empty());
  }

  private Optional<Recovery> recoverLocked(UUID uuid) {
    Optional<String> text = store.loadIntent(uuid);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    Intent intent = Intent.decode(text.get());
    List<String> actions = new ArrayList<>();
    Optional<DomainInfo> domain = hypervisor.find(new DomainSelector.ByUuid(uuid));
    boolean completed = switch (intent.operation()) {
      case CREATE -> recoverCreate(uuid, intent, domain, actions);
      case DELETE -> recoverDelete(uuid, intent, domain, actions);
      case REVERT -> recoverRevert(uuid, intent, domain, actions);
    };
    clearIntent(uuid);
    Recovery r = new Recovery(uuid, intent.operation().name().toLowerCase(java.util.Locale.ROOT), intent.snapshot(),
        completed, actions);
    LOG.warn("recovered an interrupted {} of snapshot '{}' of domain {}: {} ({})", r.operation(), r.snapshot(), uuid,
        completed ? "completed" : "undone", String.join("; ", actions));
    return Optional.of(r);
  }

  private boolean recoverCreate(UUID uuid, Intent intent, Optional<DomainInfo> domain, List<String> actions) {
    boolean committed = store.load(uuid).tree().contains(intent.snapshot());
    if (domain.isPresent()) {
      DomainRef ref = domain.get().ref();
      DomainState state = domain.get().state();
      boolean stoppedByUs = state.isSuspended() || (!intent.withMemory() && state.paused() && !intent.wasPaused());
      if (!committed && stoppedByUs) {
        // the domain has not run since it was stopped: its disks can still be put back
        List<DomainDisk> disks = hypervisor.disks(ref);
        for (DiskSnapshotRequest r : intent.requests()) {
          Optional<DomainDisk> disk = disks.stream().filter(d -> d.target().equals(r.target())).findFirst();
          if (disk.isEmpty() || disk.get().image().isEmpty()) {
            continue;
          }
          Path image = disk.get().image().get();
          if (r.mode() == DiskSnapshotMode.EXTERNAL && r.overlay().equals(Optional.of(image))) {
            hypervisor.discardDiskSnapshots(ref, List.of(r));
            actions.add("disk " + r.target() + " switched back from overlay " + image);
          } else if (r.mode() == DiskSnapshotMode.INTERNAL
              && images.info(image).internalSnapshots().contains(r.tag().orElseThrow())) {
            hypervisor.discardDiskSnapshots(ref, List.of(r));
            actions.add("internal snapshot " + r.tag().orElseThrow() + " removed from " + image);
          }
        }
      }
      if (state.isSuspended()) {
        hypervisor.resume(ref);
        actions.add("domain resumed");
      } else if (stoppedByUs) {
        hypervisor.unpause(ref);
        actions.add("domain unpaused");
      }
    }
    if (!committed) {
      for (Path f : intent.files()) {
        if (PrivateFiles.deleteIfExists(f)) {
          actions.add("removed " + f);
        }
      }
    }
    return committed;
  }

  private boolean recoverDelete(UUID uuid, Intent intent, Optional<DomainInfo> domain, List<String> actions) {
    SnapshotTree tree = store.load(uuid).tree();
    boolean committed = intent.doomed().stream().noneMatch(tree::contains);
    if (!committed) {
      return false; // before the commit only rebases ran, which change no image's contents
    }
    List<DomainDisk> active = domain.map(d -> hypervisor.disks(d.ref())).orElse(List.of());
    Set<Path> held = heldImages(new ImageGraph(images), domain, active);
    for (Map.Entry<Path, String> c : intent.cleanup()) {
      Path file = c.getKey();
      String tag = c.getValue();
      if (!Files.exists(file)) {
        continue;
      }
      if (tag.isEmpty()) {
        PrivateFiles.deleteIfExists(file);
        actions.add("removed " + file);
      } else if (images.info(file).internalSnapshots().contains(tag)) {
        deleteInternal(domain, active, held, "?", file, tag);
        actions.add("removed internal snapshot " + tag + " from " + file);
      }
    }
    return true;
  }

  private boolean recoverRevert(UUID uuid, Intent intent, Optional<DomainInfo> domain, List<String> actions) {
    // A revert of a crashed or shut-down instance saves no rollback memory image (see revertInactive).
    Optional<Path> rollbackMemory = intent.rollbackMemory();
    List<DiskSnapshotRequest> rollbackRequests = intent.requests();
    String rollbackTag = rollbackRequests.isEmpty() ? "" : rollbackRequests.get(0).tag().orElseThrow();
    Set<Path> fresh = new HashSet<>(intent.files());
    rollbackMemory.ifPresent(fresh::remove);
    if (domain.isPresent() && domain.get().ref().domid() != intent.domid()) {
      // the reverted instance runs: complete the revert
      DomainRef restored = domain.get().ref();
      List<Path> newImages = hypervisor.disks(restored).stream().flatMap(d -> d.image().stream()).toList();
      Set<Path> created = new HashSet<>(fresh);
      created.retainAll(newImages);
      commitRevert(uuid, intent.snapshot(), created, newImages, restored, rollbackRequests, rollbackTag,
          rollbackMemory, new Rollback("recover revert"));
      actions.add("revert completed: snapshot '" + intent.snapshot() + "' is current");
      return true;
    }
    if (rollbackMemory.isEmpty()) {
      // a crashed or shut-down instance: its rollback disk snapshots were taken after it was destroyed
      if (domain.isEmpty()) {
        actions.add("the revert to '" + intent.snapshot() + "' had destroyed the crashed or shut-down instance, "
            + "which cannot be brought back: the domain no longer exists; its disks are put back as they were");
        putBackDisks(rollbackRequests, intent.oldImages(), rollbackTag, actions);
      }
    } else if (domain.isPresent()) {
      // the old instance was never destroyed
      DomainRef ref = domain.get().ref();
      if (domain.get().state().isSuspended()) {
        List<DiskSnapshotRequest> taken = new ArrayList<>();
        for (DiskSnapshotRequest r : rollbackRequests) {
          Path image = intent.oldImages().get(r.target());
          if (image != null && images.info(image).internalSnapshots().contains(rollbackTag)) {
            taken.add(r);
          }
        }
        if (!taken.isEmpty()) {
          hypervisor.discardDiskSnapshots(ref, taken);
          actions.add("rollback disk snapshots removed");
        }
        hypervisor.resume(ref);
        actions.add("domain resumed");
      }
    } else {
      // destroyed, and the new instance never came: bring the old one back
      Path memory = rollbackMemory.get();
      if (!Files.exists(memory)) {
        throw new XlsnapException("cannot recover the interrupted revert of domain " + uuid + ": it was destroyed "
            + "and its rollback memory image " + memory + " is missing");
      }
      DomainRef back = restorePrevious(intent.configuration().orElseThrow(), memory, rollbackRequests,
          intent.oldImages(), rollbackTag, intent.wasPaused());
      actions.add("previous instance restored as " + back);
    }
    for (Path f : intent.files()) {
      if (PrivateFiles.deleteIfExists(f)) {
        actions.add("removed " + f);
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // read

  /**
   * Lists a domain's snapshots ({@code xl snapshot-list}).
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @param query the filters and order
   * @return the matching snapshots
   * @throws SnapshotNotFoundException if {@link ListQuery#from()} names no snapshot
   */
  public List<Snapshot> list(DomainSelector domain, ListQuery query) {
    requireNonNull(query, "query");
    SnapshotTree tree = tree(domain);
    List<Snapshot> all = tree.snapshots();
    Set<String> scope = null;
    if (query.from().isPresent()) {
      String from = query.from().get();
      if (!tree.contains(from)) {
        throw new SnapshotNotFoundException(domain.toString(), from);
      }
      scope = Set.copyOf(query.descendants() ? tree.descendants(from) : tree.children(from));
    }
    List<Snapshot> out = new ArrayList<>();
    for (Snapshot s : all) {
      if ((scope != null && !scope.contains(s.name()))
          || (query.internal() && !s.isInternal())
          || (query.external() && !s.isExternal())
          || (query.roots() && s.parent().isPresent())
          || (query.leaves() && !s.children().isEmpty())
          || (query.noLeaves() && s.children().isEmpty())) {
        continue;
      }
      out.add(s);
    }
    if (!query.topological()) {
      out.sort(Comparator.comparing(Snapshot::createTime).thenComparing(Snapshot::name));
    }
    return List.copyOf(out);
  }

  /**
   * Returns a domain's snapshots as a tree ({@code xl snapshot-list --tree}).
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @return the tree
   */
  public SnapshotTree tree(DomainSelector domain) {
    return store.load(uuidOf(domain)).tree();
  }

  /**
   * Returns one snapshot.
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @param name the snapshot
   * @return the snapshot
   * @throws SnapshotNotFoundException if the domain has no such snapshot
   */
  public Snapshot info(DomainSelector domain, String name) {
    requireNonNull(name, "name");
    return tree(domain).find(name).orElseThrow(() -> new SnapshotNotFoundException(domain.toString(), name));
  }

  /**
   * Returns the current snapshot: the one last taken or reverted to.
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @return the current snapshot, empty if there is none
   */
  public Optional<Snapshot> current(DomainSelector domain) {
    SnapshotTree tree = tree(domain);
    return tree.current().flatMap(tree::find);
  }

  // ---------------------------------------------------------------------------------------------
  // guard

  /**
   * Refuses an operation on a domain that has snapshots: the seed design's rule that a domain's
   * snapshots are deleted before the domain is destroyed, shut down, saved or migrated. Call it
   * before saving or migrating a domain by other means.
   *
   * @param domain the domain
   * @param operation the operation about to be done
   * @throws DomainHasSnapshotsException listing the snapshots, if there are any
   */
  public void checkGuard(DomainSelector domain, GuardedOperation operation) {
    requireNonNull(operation, "operation");
    SnapshotTree tree = tree(domain);
    if (!tree.isEmpty()) {
      throw new DomainHasSnapshotsException(domain.toString(), operation, tree.topologicalOrder());
    }
  }

  /**
   * Destroys a domain, as {@code xl destroy}, if it has no snapshots or the guard is overridden.
   *
   * @param domain the domain
   * @param guard {@link Guard#ENFORCE} to refuse a domain with snapshots
   * @throws DomainHasSnapshotsException if it has snapshots and the guard is enforced
   */
  public void destroyDomain(DomainSelector domain, Guard guard) {
    requireNonNull(guard, "guard");
    withDomain(domain, info -> {
      if (guard == Guard.ENFORCE) {
        checkGuard(new DomainSelector.ByUuid(info.ref().uuid()), GuardedOperation.DESTROY);
      }
      hypervisor.destroy(info.ref());
      return null;
    });
  }

  /**
   * Shuts a domain down, as {@code xl shutdown}, if it has no snapshots or the guard is overridden.
   *
   * @param domain the domain
   * @param guard {@link Guard#ENFORCE} to refuse a domain with snapshots
   * @throws DomainHasSnapshotsException if it has snapshots and the guard is enforced
   */
  public void shutdownDomain(DomainSelector domain, Guard guard) {
    requireNonNull(guard, "guard");
    withDomain(domain, info -> {
      if (guard == Guard.ENFORCE) {
        checkGuard(new DomainSelector.ByUuid(info.ref().uuid()), GuardedOperation.SHUTDOWN);
      }
      hypervisor.shutdown(info.ref());
      return null;
    });
  }

  /** Whether {@link #destroyDomain} and {@link #shutdownDomain} honour the snapshot guard. */
  public enum Guard {
    /** Refuse a domain that has snapshots. */
    ENFORCE,
    /** Go ahead even if it has snapshots; their metadata and files are kept. */
    OVERRIDE
  }

  // ---------------------------------------------------------------------------------------------
  // plumbing

  private interface Locked<T> {
    T run(DomainInfo info);
  }

  private <T> T withDomain(DomainSelector selector, Locked<T> body) {
    requireNonNull(selector, "domain");
    Optional<DomainInfo> found = hypervisor.find(selector);
    if (found.isEmpty() && selector instanceof DomainSelector.ByUuid byUuid) {
      recover(byUuid.uuid()); // a revert interrupted between destroy and restore left no instance
      found = hypervisor.find(selector);
    }
    UUID uuid = found.orElseThrow(() -> new DomainNotFoundException(selector.toString())).ref().uuid();
    return withLock(uuid, () -> {
      // re-read under the lock: a concurrent revert may have replaced the instance
      DomainInfo info = hypervisor.find(new DomainSelector.ByUuid(uuid))
          .orElseThrow(() -> new DomainNotFoundException(selector.toString()));
      return body.run(info);
    });
  }

  private <T> T withLock(UUID uuid, Supplier<T> body) {
    ReentrantLock lock = locks.computeIfAbsent(uuid, u -> new ReentrantLock());
    lock.lock();
    try {
      SnapshotStore.Lease lease = store.lockDomain(uuid, java.time.Duration.ofMinutes(10));
      try {
        recoverLocked(uuid);
        return body.get();
      } finally {
        lease.close();
      }
    } finally {
      lock.unlock();
    }
  }

  private UUID uuidOf(DomainSelector selector) {
    requireNonNull(selector, "domain");
    if (selector instanceof DomainSelector.ByUuid byUuid) {
      return byUuid.uuid();
    }
    return hypervisor.find(selector).orElseThrow(() -> new DomainNotFoundException(selector.toString())).ref().uuid();
  }

  /**
   * Allows a revert of a running or paused domain, and of a crashed or shut-down one that is kept
   * (preserved); refuses Domain-0, a dying domain and a suspended one (its memory saved by a checkpoint
   * or save, so it still has a state to resume, which a revert would silently drop).
   */
  private static void requireRevertible(DomainInfo info) {
    DomainState state = info.state();
    if (info.ref().domid() == 0) {
      throw new DomainStateException("cannot revert Domain-0", state);
    }
    if (state.dying()) {
      throw new DomainStateException("cannot revert domain " + info.ref().name() + ": it is being destroyed", state);
    }
    if (state.isSuspended()) {
      throw new DomainStateException("cannot revert domain " + info.ref().name() + ": it is suspended, its memory "
          + "saved to be resumed; resume or destroy it first", state);
    }
  }

  private static void requireSnapshottable(DomainInfo info, String what) {
    if (info.ref().domid() == 0) {
      throw new DomainStateException("cannot " + what + " Domain-0", info.state());
    }
    if (!info.state().isActive()) {
      throw new DomainStateException("cannot " + what + " domain " + info.ref().name()
          + ": it must be running or paused", info.state());
    }
  }
}
