package io.github.xlsnap.core;

import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.internal.FileNames;
import io.github.xlsnap.core.internal.ImageGraph;
import io.github.xlsnap.core.internal.Intent;
import io.github.xlsnap.core.internal.PrivateFiles;
import io.github.xlsnap.core.internal.ProgressWatcher;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.RestoreRequest;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the manager's operations share: the backends they work on and the few steps more than one
 * of them takes. Immutable; thread-safe as its parts are.
 */
final class OperationContext {
  static final Logger LOG = LoggerFactory.getLogger(SnapshotManager.class);
  /** The prefix of every internal snapshot tag and default file name xlsnap makes. */
  static final String TAG_PREFIX = "xlsnap-";

  final Hypervisor hypervisor;
  final SnapshotStore store;
  final DiskImages images;
  final Clock clock;
  final Supplier<String> ids;
  final Optional<ProgressListener> progress;
  final FileSync sync;

  /** Forces a file and its directory entry to stable storage; replaced in tests to observe the order. */
  @FunctionalInterface
  interface FileSync {
    void force(Path file);
  }

  OperationContext(Hypervisor hypervisor, SnapshotStore store, DiskImages images, Clock clock, Supplier<String> ids,
      Optional<ProgressListener> progress, FileSync sync) {
    this.hypervisor = hypervisor;
    this.store = store;
    this.images = images;
    this.clock = clock;
    this.ids = ids;
    this.progress = progress;
    this.sync = sync;
  }

  /** The real {@link FileSync}: {@code fsync} of the file, then of its directory. */
  static void forceToDisk(Path file) {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      throw new XlsnapIOException("force to disk", file, e);
    }
    Path dir = file.toAbsolutePath().getParent();
    if (dir != null) {
      try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
        channel.force(true);
      } catch (IOException e) {
        throw new XlsnapIOException("force to disk the directory of", file, e);
      }
    }
  }

  void recordIntent(UUID domain, Intent intent) {
    store.saveIntent(domain, Optional.of(intent.encode()));
  }

  void clearIntent(UUID domain) {
    // on the failure path of an interrupted operation too: a store's file channel refuses an
    // interrupted thread, so the interrupt status is set aside for the write and set again after
    boolean interrupted = Thread.interrupted();
    try {
      store.saveIntent(domain, Optional.empty());
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A checkpoint, its progress reported to the listener if there is one. */
  CheckpointResult checkpoint(DomainRef ref, Path file, CheckpointMode mode) {
    if (progress.isEmpty()) {
      return hypervisor.checkpoint(ref, file, mode);
    }
    long memory = hypervisor.find(new DomainSelector.ByUuid(ref.uuid())).map(i -> i.memoryKib() * 1024).orElse(0L);
    try (ProgressWatcher w = new ProgressWatcher(progress.get(), ref.name(), ProgressEvent.Step.SAVING_MEMORY, file,
        memory, () -> ProgressWatcher.size(file))) {
      CheckpointResult r = hypervisor.checkpoint(ref, file, mode);
      w.finish(r.rounds());
      return r;
    }
  }

  /** A restore, the reading of its memory image reported to the listener if there is one. */
  DomainRef restore(String domain, RestoreRequest request) {
    Optional<Path> memory = request.memoryImage();
    if (progress.isEmpty() || memory.isEmpty()) {
      return hypervisor.restore(request);
    }
    Path file = memory.get();
    long size = ProgressWatcher.size(file);
    // the position comes from the backend, which opens nothing to tell it: a descriptor opened here
    // while libxl forks the restore's helpers would leak into them
    AtomicBoolean restored = new AtomicBoolean();
    try (ProgressWatcher w = new ProgressWatcher(progress.get(), domain, ProgressEvent.Step.RESTORING_MEMORY, file,
        size, () -> restored.get() ? size : hypervisor.restoreProgress(file).orElse(0))) {
      DomainRef ref = hypervisor.restore(request);
      restored.set(true);
      return ref;
    }
  }

  /** A rebase that merges an image away, its progress reported to the listener if there is one. */
  void rebase(String domain, ImageGraph.Rebase r) {
    if (progress.isEmpty()) {
      images.rebase(r.image(), r.newBacking(), r.newBackingFormat());
      return;
    }
    DiskStepProgress p = new DiskStepProgress(r.image());
    try (ProgressWatcher w = new ProgressWatcher(progress.get(), domain, ProgressEvent.Step.MERGING_DISK, r.image(),
        p.total, p::done)) {
      images.rebase(r.image(), r.newBacking(), r.newBackingFormat(), p);
    }
  }

  /** An internal snapshot's state copied out to a new image, its progress reported if there is a listener. */
  void extractInternalSnapshot(String domain, Path image, String tag, Path target) {
    if (progress.isEmpty()) {
      images.extractInternalSnapshot(image, tag, target);
      return;
    }
    DiskStepProgress p = new DiskStepProgress(image);
    try (ProgressWatcher w = new ProgressWatcher(progress.get(), domain, ProgressEvent.Step.COPYING_DISK, target,
        p.total, p::done)) {
      images.extractInternalSnapshot(image, tag, target, p);
    }
  }

  /** The share of a disk step done, as the disk tool tells it, in bytes of the image's virtual size. */
  private final class DiskStepProgress implements java.util.function.DoubleConsumer {
    final long total;
    private volatile double share;

    DiskStepProgress(Path image) {
      long size = 0;
      try {
        size = images.info(image).virtualSize();
      } catch (RuntimeException e) {
        LOG.debug("cannot read the virtual size of {}", image, e);
      }
      total = size;
    }

    @Override
    public void accept(double value) {
      share = Math.min(1, Math.max(share, value));
    }

    long done() {
      return (long) (share * total);
    }
  }

  /**
   * The images a device model holds open: the disks' images and their backing chains, whenever the
   * domain exists in any state (the device model of a crashed or shut-down domain that Xen preserves
   * runs until the domain is destroyed).
   */
  Set<Path> heldImages(ImageGraph graph, Optional<DomainInfo> info, List<DomainDisk> activeDisks) {
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

  /** The images the domain's disks and the snapshots name. */
  static Set<Path> referencedImages(Collection<Snapshot> snapshots, List<DomainDisk> activeDisks) {
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

  /**
   * Deletes an internal snapshot: with the disk tool if no process holds the image, else through the
   * device model that runs the disk.
   */
  void deleteInternal(
      Optional<DomainInfo> info, List<DomainDisk> activeDisks, Set<Path> held, String target, Path image, String tag) {
    if (!held.contains(image)) {
      images.deleteInternalSnapshot(image, tag);
      return;
    }
    Optional<DomainDisk> active = activeDisk(info, activeDisks, image);
    if (active.isPresent()) {
      hypervisor.deleteInternalDiskSnapshot(info.get().ref(), active.get().target(), tag);
      return;
    }
    throw new DiskImageException(image, List.of(), -1, "image " + image + " of disk " + target
        + " is a backing file held open by the running device model; its internal snapshot " + tag
        + " can be deleted once the domain no longer runs on it", null);
  }

  /**
   * Whether {@link #deleteInternal} can delete an internal snapshot of this image now: no device model
   * holds it, or it is the image a disk writes, which its device model changes. An image held read-only
   * (a backing file) must wait until no device model holds it.
   */
  static boolean canDeleteInternal(Optional<DomainInfo> info, List<DomainDisk> activeDisks, Set<Path> held,
      Path image) {
    return !held.contains(image) || activeDisk(info, activeDisks, image).isPresent();
  }

  private static Optional<DomainDisk> activeDisk(Optional<DomainInfo> info, List<DomainDisk> activeDisks, Path image) {
    return info.isEmpty() ? Optional.empty()
        : activeDisks.stream().filter(d -> d.image().equals(Optional.of(image))).findFirst();
  }

  /** Creates an empty memory image file, mode 0600; {@code field} names the spec field for a clash. */
  static void createMemoryFile(Path file, String field) {
    try {
      PrivateFiles.createFile(file);
    } catch (java.nio.file.FileAlreadyExistsException e) {
      throw new InvalidSnapshotSpecException(field, "memory image " + file + " already exists");
    } catch (IOException e) {
      throw new XlsnapIOException("create memory image", file, e);
    }
  }

  /**
   * Removes the files an interrupted operation made, except any image the domain now uses (its disks
   * and their backing chains): after a crash an operator may have set the domain going on a new
   * overlay, and its writes since live only there. A file kept is reported, not deleted.
   */
  void removeUnlessInUse(List<Path> files, Optional<DomainInfo> domain, List<String> actions) {
    Set<Path> inUse = Set.of();
    if (domain.isPresent()) {
      Set<Path> tops = new HashSet<>();
      hypervisor.disks(domain.get().ref()).forEach(d -> d.image().ifPresent(tops::add));
      inUse = tops.isEmpty() ? Set.of() : new ImageGraph(images).chains(tops);
    }
    for (Path f : files) {
      if (inUse.contains(f)) {
        LOG.warn("kept {}: domain {} uses it", f, domain.get().ref().name());
        actions.add("kept " + f + ": the domain uses it");
      } else if (PrivateFiles.deleteIfExists(f)) {
        actions.add("removed " + f);
      }
    }
  }

  /**
   * Disposes of owned images that nothing references any longer, once the metadata no longer names
   * them. Those in {@code discardable} are known to be unneeded (merged away into the images built on
   * them, or the top images of the instance a revert replaced, as asked) and are deleted. Any other
   * may hold a guest's writes since its last snapshot (a domain ran on it, then was moved off it other
   * than by xlsnap): it is deleted only if it holds no data of its own
   * ({@link DiskImages#holdsDataOfItsOwn}), else renamed beside where it was to
   * {@code <name>.xlsnap-quarantined[-<id>]} and reported in {@code leftovers}, for an operator to
   * look at. Failures cost disk space, not data: they are logged and reported.
   */
  void disposeGarbage(Set<Path> garbage, Set<Path> discardable, List<String> leftovers) {
    // Top images first, their backing files after: an image kept must keep reading through its
    // backing chain, so a backing file of a kept image stays where it is, neither deleted nor renamed.
    Map<Path, Optional<Path>> backingOf = new HashMap<>();
    for (Path g : garbage) {
      Optional<Path> backing = Optional.empty();
      try {
        if (java.nio.file.Files.exists(g)) {
          backing = images.info(g).backingFile();
        }
      } catch (RuntimeException e) {
        LOG.debug("cannot read the backing file of {}", g, e);
      }
      backingOf.put(g, backing);
    }
    Set<Path> needed = new HashSet<>(); // backing files of images kept
    for (Path g : topDown(garbage, backingOf)) {
      if (needed.contains(g)) {
        LOG.warn("kept image {}: an image kept before it reads through it", g);
        leftovers.add("image " + g + " kept: the backing file of an image kept");
        backingOf.get(g).ifPresent(needed::add);
        continue;
      }
      if (discardable.contains(g)) {
        bestEffort(leftovers, "image " + g, () -> PrivateFiles.deleteIfExists(g));
        continue;
      }
      boolean[] kept = {false};
      boolean done = bestEffort(leftovers, "image " + g, () -> {
        if (!java.nio.file.Files.exists(g) || !images.holdsDataOfItsOwn(g)) {
          PrivateFiles.deleteIfExists(g);
          return;
        }
        Path moved = quarantine(g);
        kept[0] = true;
        LOG.warn("kept image {} as {}: no snapshot and no disk uses it any longer, but it holds data of its own, "
            + "which may be a guest's writes since its last snapshot; delete it once it is known to be unneeded", g, moved);
        leftovers.add("image " + g + " kept as " + moved + ": it holds data no snapshot captured");
      });
      if (!done || kept[0]) {
        backingOf.get(g).ifPresent(needed::add);
      }
    }
  }

  /** The images, each before its backing file when both are among them. */
  private static List<Path> topDown(Set<Path> garbage, Map<Path, Optional<Path>> backingOf) {
    Map<Path, Integer> above = new HashMap<>();
    garbage.forEach(g -> above.put(g, 0));
    for (Path g : garbage) {
      backingOf.get(g).filter(above::containsKey).ifPresent(b -> above.merge(b, 1, Integer::sum));
    }
    List<Path> order = new ArrayList<>();
    Deque<Path> ready = new ArrayDeque<>();
    garbage.stream().sorted().filter(g -> above.get(g) == 0).forEach(ready::add);
    while (!ready.isEmpty()) {
      Path g = ready.pop();
      order.add(g);
      backingOf.get(g).filter(above::containsKey).ifPresent(b -> {
        if (above.merge(b, -1, Integer::sum) == 0) {
          ready.add(b);
        }
      });
    }
    garbage.stream().sorted().filter(g -> !order.contains(g)).forEach(order::add); // a cycle: no image has one
    return order;
  }

  private Path quarantine(Path image) {
    String name = image.getFileName().toString();
    Path target = image.resolveSibling(FileNames.fit(name, ".xlsnap-quarantined"));
    if (java.nio.file.Files.exists(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      target = image.resolveSibling(FileNames.fit(name, ".xlsnap-quarantined-" + ids.get()));
    }
    try {
      java.nio.file.Files.move(image, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new XlsnapIOException("quarantine image", image, e);
    }
    return target;
  }

  /**
   * Runs a clean-up step whose failure costs disk space, not correctness: a failure is logged and listed.
   *
   * @return whether the step succeeded
   */
  static boolean bestEffort(List<String> leftovers, String what, Runnable action) {
    try {
      action.run();
      return true;
    } catch (RuntimeException e) {
      LOG.warn("could not remove {}: {}", what, e.getMessage(), e);
      leftovers.add(what + ": " + e.getMessage());
      return false;
    }
  }
}
