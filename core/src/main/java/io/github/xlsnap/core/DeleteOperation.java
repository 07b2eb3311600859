package io.github.xlsnap.core;

import static io.github.xlsnap.core.OperationContext.LOG;

import com.google.common.collect.Lists;
import io.github.xlsnap.core.internal.ImageGraph;
import io.github.xlsnap.core.internal.Intent;
import io.github.xlsnap.core.internal.PrivateFiles;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code snapshot-delete}, and the recovery of one a crash interrupted. Called with the domain held
 * (see {@link SnapshotManager}).
 */
final class DeleteOperation {
  private final OperationContext cx;

  DeleteOperation(OperationContext cx) {
    this.cx = cx;
  }

  DeleteResult run(
      Optional<DomainInfo> info, UUID uuid, String domainName, String name, DeleteMode mode) {
    DomainMetadata md = cx.store.load(uuid);
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
    List<DomainDisk> activeDisks = info.map(i -> cx.hypervisor.disks(i.ref())).orElse(List.of());
    Set<Path> referenced = OperationContext.referencedImages(survivors.values(), activeDisks);
    ImageGraph graph = new ImageGraph(cx.images);
    Set<Path> held = cx.heldImages(graph, info, activeDisks);
    ImageGraph.Plan plan = info.isPresent()
        ? graph.plan(referenced, md.ownedImages(), held)
        : new ImageGraph.Plan(List.of(), Set.of()); // without the domain, its disks are unknown: keep every image
    // Garbage that was part of a live chain is merged away by the rebases; garbage outside every chain
    // may hold writes no snapshot captured (see OperationContext.disposeGarbage).
    Set<Path> uncertain = new HashSet<>(info.isPresent() ? graph.garbage(referenced, md.ownedImages()) : Set.of());
    uncertain.retainAll(plan.garbage());
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
    plan.garbage().stream().filter(g -> !uncertain.contains(g)).forEach(g -> cleanup.add(Map.entry(g, "")));
    // An internal snapshot in an image a device model holds read-only (a backing file) cannot be removed
    // while it does: the commit records it, and a later operation removes it (retryDeferred).
    Set<DeferredCleanup> deferredTags = new LinkedHashSet<>();
    for (Map.Entry<Path, String> c : cleanup) {
      Path image = c.getKey();
      if (!c.getValue().isEmpty() && !plan.garbage().contains(image) && Files.exists(image)
          && !OperationContext.canDeleteInternal(info, activeDisks, held, image)) {
        deferredTags.add(DeferredCleanup.internalSnapshot(image, c.getValue()));
      }
    }
    Set<DeferredCleanup> deferred = new LinkedHashSet<>(md.deferredCleanups());
    deferred.addAll(deferredTags);
    List<Path> rebased = plan.rebases().stream().map(ImageGraph.Rebase::image).toList();
    cx.recordIntent(uuid, new Intent.Delete(name, info.map(i -> i.ref().domid()).orElse(0), doomed, cleanup,
        List.copyOf(uncertain), rebased));
    Set<Path> rewritten = new HashSet<>();
    Set<Path> owned = new HashSet<>(md.ownedImages());
    owned.removeAll(plan.garbage());
    List<Snapshot> kept;
    try {
      for (ImageGraph.Rebase r : plan.rebases()) {
        cx.rebase(domainName, r); // keeps what every image reads
        rewritten.add(r.image());
      }
      kept = restamp(survivors.values(), rewritten);
      cx.store.save(new DomainMetadata(uuid, kept, current, owned, deferred));
    } catch (RuntimeException | Error e) {
      // Nothing was committed, and the rebases changed no image's contents; but they rewrote files that
      // may be frozen images of surviving snapshots, whose new stamps are recorded (soak bug B5: else a
      // revert to such a snapshot is refused as risky). If that fails too, the record stays for recovery.
      if (!rebased.isEmpty()) {
        try {
          recordNewStamps(uuid, Set.copyOf(rebased));
        } catch (RuntimeException stamps) {
          e.addSuppressed(stamps);
          throw e;
        }
      }
      cx.clearIntent(uuid);
      throw e;
    }
    LOG.info("deleted snapshot(s) {} of {}", doomed, domainName);

    List<String> leftovers = new ArrayList<>();
    Set<Path> trimmed = new HashSet<>();
    Set<DeferredCleanup> failedTags = new LinkedHashSet<>();
    for (String n : doomed) {
      Snapshot s = tree.get(n);
      for (DiskSnapshot d : s.disks()) {
        if (d.mode() == DiskSnapshotMode.INTERNAL) {
          Path image = d.image().orElseThrow();
          String tag = d.tag().orElseThrow();
          if (plan.garbage().contains(image) || !Files.exists(image)
              || deferredTags.contains(DeferredCleanup.internalSnapshot(image, tag))) {
            continue; // the image goes as a whole, or the tag waits for the device model
          }
          if (!OperationContext.bestEffort(leftovers, "internal snapshot " + tag + " in " + image, () -> {
            cx.deleteInternal(info, activeDisks, held, d.target(), image, tag);
            trimmed.add(image);
          })) {
            failedTags.add(DeferredCleanup.internalSnapshot(image, tag)); // recorded, to be retried
          }
        }
      }
      s.memoryImage().ifPresent(m -> OperationContext.bestEffort(leftovers, "memory image " + m, () -> PrivateFiles.deleteIfExists(m)));
    }
    Set<Path> mergedAway = new HashSet<>(plan.garbage());
    mergedAway.removeAll(uncertain);
    cx.disposeGarbage(plan.garbage(), mergedAway, leftovers);
    List<Snapshot> restamped = restamp(kept, trimmed);
    if (!restamped.equals(kept) || !failedTags.isEmpty()) {
      // removing an internal snapshot rewrites the file, not the contents other snapshots rely on
      deferred.addAll(failedTags);
      DomainMetadata updated = new DomainMetadata(uuid, restamped, current, owned, deferred);
      OperationContext.bestEffort(leftovers, "new stamps of images " + trimmed + " and the record of the internal "
          + "snapshots left " + failedTags, () -> cx.store.save(updated));
    }
    cx.clearIntent(uuid);
    List<DeferredCleanup> later = new ArrayList<>(deferredTags);
    plan.heldBack().forEach(image -> later.add(DeferredCleanup.merge(image)));
    for (DeferredCleanup c : later) {
      LOG.info("delete of {} of {}: {}", doomed, domainName, c.describe());
      leftovers.add(c.describe());
    }
    return new DeleteResult(doomed, current, leftovers, later);
  }

  /**
   * Removes the internal snapshots earlier deletes recorded as deferred, where no device model holds the
   * image read-only any longer, and forgets those already gone (with their image, say); the others stay
   * recorded. A failure is logged and the item kept for the next time. Called with the domain held.
   *
   * @param uuid the domain
   * @param actions what was removed, appended to
   * @return the internal snapshots still deferred
   */
  List<DeferredCleanup> retryDeferred(UUID uuid, List<String> actions) {
    DomainMetadata md = cx.store.load(uuid);
    if (md.deferredCleanups().isEmpty()) {
      return List.of();
    }
    Optional<DomainInfo> info = cx.hypervisor.find(new DomainSelector.ByUuid(uuid));
    List<DomainDisk> active = info.map(i -> cx.hypervisor.disks(i.ref())).orElse(List.of());
    Set<Path> held = cx.heldImages(new ImageGraph(cx.images), info, active);
    Set<DeferredCleanup> left = new LinkedHashSet<>();
    Set<Path> trimmed = new HashSet<>();
    for (DeferredCleanup c : md.deferredCleanups()) {
      Path image = c.image();
      String tag = c.tag().orElseThrow();
      try {
        if (!Files.exists(image)) {
          continue; // gone with its image
        }
        if (!cx.images.info(image).internalSnapshots().contains(tag)) {
          // removed by an earlier retry, which may have been killed before it recorded the image's new
          // stamp (soak bug B6): record it now
          trimmed.add(image);
          continue;
        }
        if (!OperationContext.canDeleteInternal(info, active, held, image)) {
          left.add(c);
          continue;
        }
        cx.deleteInternal(info, active, held, "?", image, tag);
        trimmed.add(image);
        actions.add("removed internal snapshot " + tag + " from " + image + ", deferred by an earlier delete");
      } catch (RuntimeException e) {
        LOG.warn("could not remove internal snapshot {} from {}, deferred by an earlier delete: {}", tag, image,
            e.getMessage(), e);
        left.add(c);
      }
    }
    if (!left.equals(md.deferredCleanups())) {
      cx.store.save(new DomainMetadata(uuid, restamp(md.snapshots(), trimmed), md.current(), md.ownedImages(), left));
    }
    return List.copyOf(left);
  }

  /**
   * Records the new stamps of frozen images that xlsnap itself rewrote without changing what they
   * read as (a rebase, a removed internal snapshot), so that a later revert does not take them for
   * images changed behind its back.
   */
  private static List<Snapshot> restamp(Collection<Snapshot> snapshots, Set<Path> rewritten) {
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
      out.add(changed ? s.withDisks(disks) : s);
    }
    return List.copyOf(out);
  }

  /**
   * Records the new stamps of frozen images among {@code rewritten} (see {@link #restamp}) in the
   * domain's metadata as it is, the interrupt status set aside for the write.
   *
   * @return whether a stamp changed
   */
  private boolean recordNewStamps(UUID uuid, Set<Path> rewritten) {
    boolean interrupted = Thread.interrupted();
    try {
      DomainMetadata md = cx.store.load(uuid);
      List<Snapshot> restamped = restamp(md.snapshots(), rewritten);
      if (restamped.equals(md.snapshots())) {
        return false;
      }
      cx.store.save(new DomainMetadata(uuid, restamped, md.current(), md.ownedImages(), md.deferredCleanups()));
      return true;
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private static Optional<String> nearestSurvivor(SnapshotTree tree, String from, Set<String> gone) {
    for (String a : tree.ancestors(from)) {
      if (!gone.contains(a)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  boolean recover(UUID uuid, Intent.Delete intent, Optional<DomainInfo> domain, List<String> actions) {
    DomainMetadata atStart = cx.store.load(uuid);
    SnapshotTree tree = atStart.tree();
    // The commit removes the doomed snapshots and, in the same save, the images it disposes of from the
    // owned ones. A delete that dooms no snapshot (the descendants of a leaf) can still dispose of
    // images left over from earlier operations, after rebasing the images that read through them:
    // only the owned images tell whether it committed, and so whether those rebases ran.
    Set<Path> disposed = new HashSet<>(intent.uncertain());
    intent.cleanup().stream().filter(c -> c.getValue().isEmpty()).forEach(c -> disposed.add(c.getKey()));
    boolean committed = intent.doomed().stream().noneMatch(tree::contains)
        && atStart.ownedImages().stream().noneMatch(disposed::contains);
    if (!committed) {
      // before the commit only rebases ran, which change no image's contents, only files' stamps
      if (!intent.rebased().isEmpty() && recordNewStamps(uuid, Set.copyOf(intent.rebased()))) {
        actions.add("recorded the new stamps of the images the delete rebased: " + intent.rebased());
      }
      return false;
    }
    List<DomainDisk> active = domain.map(d -> cx.hypervisor.disks(d.ref())).orElse(List.of());
    Set<Path> held = cx.heldImages(new ImageGraph(cx.images), domain, active);
    Set<Path> trimmed = new HashSet<>();
    Set<DeferredCleanup> deferred = new LinkedHashSet<>();
    // an image that goes as a whole keeps its internal snapshots (the delete skips them too): its
    // backing file may be gone already, and qemu-img could not even read it
    Set<Path> whole = new HashSet<>(intent.uncertain());
    intent.cleanup().stream().filter(c -> c.getValue().isEmpty()).forEach(c -> whole.add(c.getKey()));
    for (Map.Entry<Path, String> c : intent.cleanup()) {
      Path file = c.getKey();
      String tag = c.getValue();
      if (!Files.exists(file) || (!tag.isEmpty() && whole.contains(file))) {
        continue;
      }
      if (tag.isEmpty()) {
        PrivateFiles.deleteIfExists(file);
        actions.add("removed " + file);
      } else if (!cx.images.info(file).internalSnapshots().contains(tag)) {
        // an earlier recovery removed it and may have been killed before it recorded the new stamp
        trimmed.add(file);
      } else if (OperationContext.canDeleteInternal(domain, active, held, file)) {
        cx.deleteInternal(domain, active, held, "?", file, tag);
        trimmed.add(file);
        actions.add("removed internal snapshot " + tag + " from " + file);
      } else {
        deferred.add(DeferredCleanup.internalSnapshot(file, tag));
        actions.add("internal snapshot " + tag + " in " + file + " deferred: the device model holds the image");
      }
    }
    // as the delete itself does: removing an internal snapshot rewrites the file, not what it reads as
    DomainMetadata md = cx.store.load(uuid);
    Set<DeferredCleanup> allDeferred = new LinkedHashSet<>(md.deferredCleanups());
    allDeferred.addAll(deferred);
    List<Snapshot> restamped = restamp(md.snapshots(), trimmed);
    if (!restamped.equals(md.snapshots()) || !allDeferred.equals(md.deferredCleanups())) {
      cx.store.save(new DomainMetadata(uuid, restamped, md.current(), md.ownedImages(), allDeferred));
      actions.add("recorded the new stamps of " + trimmed);
    }
    cx.disposeGarbage(Set.copyOf(intent.uncertain()), Set.of(), actions);
    return true;
  }
}
