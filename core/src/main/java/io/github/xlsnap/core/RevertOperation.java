package io.github.xlsnap.core;

import static io.github.xlsnap.core.OperationContext.LOG;
import static io.github.xlsnap.core.OperationContext.TAG_PREFIX;

import io.github.xlsnap.core.internal.FileNames;
import io.github.xlsnap.core.internal.ImageGraph;
import io.github.xlsnap.core.internal.Intent;
import io.github.xlsnap.core.internal.PrivateFiles;
import io.github.xlsnap.core.internal.Rollback;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.RestoreRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code snapshot-revert}, and the recovery of one a crash interrupted. Called with the domain held
 * (see {@link SnapshotManager}).
 */
final class RevertOperation {
  private final OperationContext cx;

  RevertOperation(OperationContext cx) {
    this.cx = cx;
  }

  DomainRef run(DomainInfo info, String name, RevertOptions options) {
    DomainRef ref = info.ref();
    requireRevertible(info);
    RevertPlan plan = planRevert(info, name, options);
    DomainState state = info.state();
    return state.isActive() ? revertActive(ref, state, plan) : revertInactive(ref, state, plan);
  }

  /**
   * Reverts a domain that no longer exists on the host (destroyed, say, by a failed revert of its
   * crashed instance, or by an operator) to one of its snapshots: a new instance is restored from the
   * snapshot's memory image and disks with the configuration the snapshot kept. Nothing runs, so
   * nothing is saved and nothing is applied in place: every captured disk gets a new image (an
   * internal snapshot's state copied out, an overlay over an external snapshot's frozen image), and a
   * failure removes them, leaving the images as they were.
   */
  DomainRef runGone(UUID uuid, String domain, String name, RevertOptions options) {
    DomainMetadata md = cx.store.load(uuid);
    Snapshot snap = md.tree().find(name).orElseThrow(() -> new SnapshotNotFoundException(domain, name));
    DomainConfiguration config = snap.configuration().orElseThrow(() -> new DomainNotFoundException(domain,
        "domain " + domain + " does not exist on this host, and snapshot '" + name + "' kept no configuration to "
        + "restore it from (it was taken by a version that kept none): create the domain from its configuration file, then revert"));
    List<String> risks = new ArrayList<>();
    Optional<Path> memory = memoryRisks(snap, risks);
    for (DiskSnapshot d : snap.disks()) {
      if (d.mode() == DiskSnapshotMode.NONE) {
        risks.add("disk " + d.target() + " was not captured: the domain is restored with its configured image");
      }
      checkDiskData(domain, snap, d, risks);
    }
    if (!risks.isEmpty() && !options.force()) {
      throw new RiskyRevertException(domain, name, risks);
    }
    risks.forEach(r -> LOG.warn("forced revert of {} to '{}': {}", domain, name, r));
    boolean paused = pausedAfter(snap, options);

    String id = cx.ids.get();
    Map<String, Path> freshImages = new LinkedHashMap<>();
    for (DiskSnapshot d : snap.disks()) {
      if (d.mode() != DiskSnapshotMode.NONE) {
        freshImages.put(d.target(), freshImagePath(d, id));
      }
    }
    cx.recordIntent(uuid, new Intent.Revert(name, -1, paused, List.copyOf(freshImages.values()), List.of(), Map.of(),
        Optional.empty(), config, Intent.Revert.Phase.FORWARD));
    Rollback rollback = new Rollback("revert " + domain + " to '" + name + "'");
    try {
      Set<Path> created = new HashSet<>();
      for (DiskSnapshot d : snap.disks()) {
        Path fresh = freshImages.get(d.target());
        if (fresh == null) {
          continue;
        }
        makeFreshImage(domain, d, fresh, rollback);
        created.add(fresh);
      }
      DomainRef restored = cx.restore(domain, new RestoreRequest(config, memory, freshImages, paused));
      rollback.add("destroy the reverted instance " + restored, () -> cx.hypervisor.destroy(restored));
      List<String> leftovers = commitRevert(uuid, name, created, freshImages.values(), List.of(), restored, List.of(),
          "", Optional.empty(), rollback);
      LOG.info("reverted {}, which no longer existed, to snapshot '{}' as {}{}", domain, name, restored,
          leftovers.isEmpty() ? "" : "; left behind: " + leftovers);
      return restored;
    } catch (RuntimeException | Error e) {
      rollback.undo(e, () -> cx.clearIntent(uuid));
      throw e;
    }
  }

  /** Where a revert named {@code id} puts the new image of a captured disk: beside the snapshot's image. */
  private static Path freshImagePath(DiskSnapshot d, String id) {
    Path image = d.image().orElseThrow();
    return image.resolveSibling(FileNames.derive(image.getFileName().toString(), TAG_PREFIX + id, "qcow2"));
  }

  /**
   * Makes a new image holding a captured disk's state (an internal snapshot's state copied out, or an
   * overlay over an external snapshot's frozen image) and registers its removal with {@code rollback}.
   */
  private void makeFreshImage(String domain, DiskSnapshot d, Path fresh, Rollback rollback) {
    Path image = d.image().orElseThrow();
    if (d.mode() == DiskSnapshotMode.INTERNAL) {
      cx.extractInternalSnapshot(domain, image, d.tag().orElseThrow(), fresh);
    } else {
      cx.images.createOverlay(fresh, image, d.format());
    }
    rollback.add("delete " + fresh, () -> PrivateFiles.deleteIfExists(fresh));
  }

  /** The snapshot's memory image if it can be restored from, adding to {@code risks} what is wrong with it. */
  private static Optional<Path> memoryRisks(Snapshot snap, List<String> risks) {
    Optional<Path> memory = snap.memoryImage();
    if (memory.isEmpty()) {
      risks.add("snapshot '" + snap.name() + "' has no memory image: the domain boots from its disks, as after a "
          + "power cut");
      return memory;
    }
    Optional<FileStamp> now = FileStamp.of(memory.get());
    if (now.isEmpty()) {
      risks.add("memory image " + memory.get() + " is missing: the domain boots from the snapshot's disks");
      return Optional.empty();
    }
    if (snap.memoryStamp().isPresent() && !snap.memoryStamp().equals(now)) {
      risks.add("memory image " + memory.get() + " changed since the snapshot was taken");
    }
    return memory;
  }

  private static boolean pausedAfter(Snapshot snap, RevertOptions options) {
    return switch (options.target()) {
      case AS_TAKEN -> snap.domainState().paused();
      case RUNNING -> false;
      case PAUSED -> true;
    };
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
   * @param config the present instance's configuration, to bring it back from if the revert fails
   * @param restoreConfig the configuration the new instance is restored from: the snapshot's, or the
   *     present one for a snapshot that kept none
   * @param id the id naming the revert's files
   */
  private record RevertPlan(Snapshot snap, Optional<Path> memory, boolean paused, List<DomainDisk> disks,
      Map<String, DomainDisk> activeByTarget, List<DiskSnapshot> inPlace, List<DiskSnapshotRequest> rollbackRequests,
      String rollbackTag, Map<String, Path> oldImages, Map<String, Path> freshImages, DomainConfiguration config,
      DomainConfiguration restoreConfig, String id) {}

  private RevertPlan planRevert(DomainInfo info, String name, RevertOptions options) {
    DomainRef ref = info.ref();
    DomainMetadata md = cx.store.load(ref.uuid());
    SnapshotTree tree = md.tree();
    Snapshot snap = tree.find(name).orElseThrow(() -> new SnapshotNotFoundException(ref.name(), name));
    List<DomainDisk> disks = cx.hypervisor.disks(ref);
    Map<String, DomainDisk> activeByTarget = new LinkedHashMap<>();
    disks.forEach(d -> activeByTarget.put(d.target(), d));

    // Look before leaping: everything that can be checked is checked before the domain is touched.
    List<String> risks = new ArrayList<>();
    Optional<Path> memory = memoryRisks(snap, risks);
    for (DiskSnapshot d : snap.disks()) {
      if (!activeByTarget.containsKey(d.target())) {
        risks.add("disk " + d.target() + " of the snapshot is no longer attached to the domain");
      } else if (d.mode() == DiskSnapshotMode.NONE) {
        risks.add("disk " + d.target() + " was not captured and keeps its present contents");
      }
      checkDiskData(ref.name(), snap, d, risks);
    }
    for (String target : activeByTarget.keySet()) {
      if (snap.disk(target).isEmpty()) {
        risks.add("disk " + target + " did not exist when the snapshot was taken and keeps its present contents");
      }
    }
    // The memory image goes with the configuration it was saved under: restore from that one.
    DomainConfiguration config = cx.hypervisor.configuration(ref);
    DomainConfiguration restoreConfig = snap.configuration().orElse(config);
    if (snap.configuration().isPresent()) {
      for (String change : cx.hypervisor.configurationChanges(restoreConfig, config)) {
        risks.add("the domain's configuration changed since the snapshot (" + change + "): the domain is restored "
            + "with the snapshot's");
      }
    }
    if (!risks.isEmpty() && !options.force()) {
      throw new RiskyRevertException(ref.name(), name, risks);
    }
    risks.forEach(r -> LOG.warn("forced revert of {} to '{}': {}", ref.name(), name, r));
    boolean paused = pausedAfter(snap, options);

    // Which disk states are applied in place, which get a new image.
    ImageGraph graph = new ImageGraph(cx.images);
    Set<Path> frozen = frozenImages(graph, md, disks);
    String id = cx.ids.get();
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
        freshImages.put(d.target(), freshImagePath(d, id));
      }
    }
    return new RevertPlan(snap, memory, paused, disks, activeByTarget, inPlace, rollbackRequests, rollbackTag,
        oldImages, freshImages, config, restoreConfig, id);
  }

  /** Reverts a running or paused domain, saving its present instance first so that a failure brings it back. */
  private DomainRef revertActive(DomainRef ref, DomainState state, RevertPlan plan) {
    String name = plan.snap().name();
    boolean wasPaused = state.paused();
    DomainConfiguration config = plan.config();
    List<DiskSnapshotRequest> rollbackRequests = plan.rollbackRequests();
    Map<String, Path> oldImages = plan.oldImages();
    String rollbackTag = plan.rollbackTag();
    Path dataDir = cx.store.dataDirectory(ref.uuid());
    PrivateFiles.createDirectories(dataDir);
    Path rollbackMemory = dataDir.resolve(".rollback-" + plan.id() + ".memory");
    List<Path> newFiles = new ArrayList<>(List.of(rollbackMemory));
    newFiles.addAll(plan.freshImages().values());
    Intent.Revert intent = new Intent.Revert(name, ref.domid(), wasPaused, newFiles, rollbackRequests, oldImages,
        Optional.of(rollbackMemory), config, Intent.Revert.Phase.FORWARD);
    cx.recordIntent(ref.uuid(), intent);
    Rollback rollback = new Rollback("revert " + ref.name() + " to '" + name + "'");
    try {
      // 1. Save the present instance, so that a failure can bring it back.
      OperationContext.createMemoryFile(rollbackMemory, "rollback memory image");
      rollback.add("delete " + rollbackMemory, () -> PrivateFiles.deleteIfExists(rollbackMemory));
      cx.checkpoint(ref, rollbackMemory, CheckpointMode.STOPPED);
      rollback.add("resume " + ref.name(), () -> cx.hypervisor.resume(ref));
      if (!rollbackRequests.isEmpty()) {
        cx.hypervisor.snapshotDisks(ref, rollbackRequests);
        rollback.add("discard rollback disk snapshots", () -> cx.hypervisor.discardDiskSnapshots(ref, rollbackRequests));
      }

      // 2. The point of no return for the old instance: from here, undo means restoring it.
      cx.hypervisor.destroy(ref);
      rollback.clear();
      // If this undo fails, the rollback memory image stays for recovery, or an operator, to restore.
      // It runs last (undos run newest first): the reverted instance, if one came up, is gone by then,
      // so the UNDO phase tells recovery that an instance it finds is the previous one brought back.
      rollback.add("restore the previous instance of " + ref.name() + " from " + rollbackMemory, () -> {
        cx.recordIntent(ref.uuid(), intent.inPhase(Intent.Revert.Phase.UNDO));
        restorePrevious(ref.name(), config, rollbackMemory, rollbackRequests, oldImages, rollbackTag, wasPaused);
      });

      // 3-5. The snapshot's disks, the new instance, the metadata.
      return applyAndRestore(ref, plan, Optional.of(rollbackMemory), rollback);
    } catch (RuntimeException | Error e) {
      rollback.undo(e, () -> cx.clearIntent(ref.uuid()));
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
    cx.recordIntent(ref.uuid(), new Intent.Revert(name, ref.domid(), state.paused(),
        List.copyOf(plan.freshImages().values()), rollbackRequests, oldImages, Optional.empty(), plan.config(),
        Intent.Revert.Phase.FORWARD));
    Rollback rollback = new Rollback("revert " + state.word() + " " + ref.name() + " to '" + name + "'");
    boolean destroyed = false;
    try {
      // 1. The dead instance goes; its disks are kept, and put back if the revert fails.
      cx.hypervisor.destroy(ref);
      destroyed = true;
      rollback.add("put back the disks of " + ref.name(),
          () -> putBackDisks(rollbackRequests, oldImages, rollbackTag, new ArrayList<>()));
      // No process holds the images any longer: the rollback snapshots are taken with the disk tool.
      for (DiskSnapshotRequest r : rollbackRequests) {
        cx.images.createInternalSnapshot(oldImages.get(r.target()), rollbackTag);
      }

      // 2-4. The snapshot's disks, the new instance, the metadata.
      return applyAndRestore(ref, plan, Optional.empty(), rollback);
    } catch (RuntimeException e) {
      if (!destroyed) {
        cx.clearIntent(ref.uuid()); // nothing was changed
        throw e;
      }
      boolean clean = rollback.undo(e, () -> cx.clearIntent(ref.uuid()));
      throw new InstanceLostException(ref.name(), name, clean, "revert of " + ref.name() + " to snapshot '" + name
          + "' failed: " + e.getMessage()
          + ". The " + state.word() + " instance (domid " + ref.domid() + ") was destroyed and is not brought back: "
          + "the domain no longer exists on the host; create it again from its configuration. " + (clean
          ? "Its disks are untouched: " + oldImages + "; the images the revert made were removed."
          : "Putting its disks back failed (see the suppressed exceptions); the operation record is kept, and "
          + "recover(" + ref.uuid() + ") retries it."), e);
    } catch (Error e) {
      rollback.undo(e, () -> cx.clearIntent(ref.uuid()));
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
        cx.images.applyInternalSnapshot(image, d.tag().orElseThrow());
        newImages.put(d.target(), image);
      } else {
        Path fresh = plan.freshImages().get(d.target());
        makeFreshImage(ref.name(), d, fresh, rollback);
        created.add(fresh);
        newImages.put(d.target(), fresh);
      }
    }

    // The new instance.
    DomainRef restored = cx.restore(ref.name(), new RestoreRequest(plan.restoreConfig(), plan.memory(), newImages,
        plan.paused()));
    rollback.add("destroy the reverted instance " + restored, () -> cx.hypervisor.destroy(restored));

    // The metadata: the snapshot is current, new images are owned. Then clean up.
    List<String> leftovers = commitRevert(ref.uuid(), name, created, newImages.values(), plan.oldImages().values(), restored,
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
      if (image != null && Files.exists(image) && cx.images.info(image).internalSnapshots().contains(rollbackTag)) {
        cx.images.applyInternalSnapshot(image, rollbackTag);
        cx.images.deleteInternalSnapshot(image, rollbackTag);
        actions.add("disk " + r.target() + " put back as it was in " + image);
      }
    }
  }

  /** Brings back the instance a revert destroyed, from its rollback memory image and disk snapshots. */
  private DomainRef restorePrevious(String domain, DomainConfiguration config, Path rollbackMemory,
      List<DiskSnapshotRequest> rollbackRequests, Map<String, Path> oldImages, String rollbackTag, boolean paused) {
    for (DiskSnapshotRequest r : rollbackRequests) {
      Path image = oldImages.get(r.target());
      if (cx.images.info(image).internalSnapshots().contains(rollbackTag)) {
        cx.images.applyInternalSnapshot(image, rollbackTag);
      }
    }
    DomainRef back = cx.restore(domain, new RestoreRequest(config, Optional.of(rollbackMemory), oldImages, paused));
    PrivateFiles.deleteIfExists(rollbackMemory);
    deleteRollbackTags(back, rollbackRequests, oldImages, rollbackTag);
    return back;
  }

  /**
   * Makes a revert permanent: the snapshot becomes current and the images made for it owned; then
   * removes the rollback files and the images nothing needs any longer: the replaced instance's, whose
   * writes since the last snapshot the revert discards as asked, and any other only if it holds no data
   * of its own (see {@link OperationContext#disposeGarbage}). Idempotent, for recovery.
   *
   * @param replaced the disk images of the instance the revert replaced
   * @param rollbackMemory the rollback memory image, empty if the replaced instance was not running
   * @param rollback cleared once the metadata is saved, if given
   * @return what could not be removed
   */
  private List<String> commitRevert(UUID uuid, String name, Set<Path> created, Collection<Path> newImages,
      Collection<Path> replaced, DomainRef restored, List<DiskSnapshotRequest> rollbackRequests, String rollbackTag, Optional<Path> rollbackMemory,
      Rollback rollback) {
    DomainMetadata md = cx.store.load(uuid);
    Set<Path> owned = new HashSet<>(md.ownedImages());
    owned.addAll(created);
    Set<Path> referenced = OperationContext.referencedImages(md.snapshots(), List.of());
    referenced.addAll(newImages);
    ImageGraph graph = new ImageGraph(cx.images);
    Set<Path> garbage = graph.garbage(referenced, owned);
    Set<Path> discarded = new HashSet<>(graph.chains(Set.copyOf(replaced)));
    discarded.retainAll(garbage);
    // The commit keeps the garbage owned until it is gone: killed between this save and its removal, the
    // revert's recovery runs this again and finds it as garbage still (had the commit dropped it from the
    // owned images, nothing would own it any more, and it would stay behind for good).
    cx.store.save(new DomainMetadata(uuid, md.snapshots(), Optional.of(name), owned, md.deferredCleanups()));
    rollback.clear();

    // failures from here on cost disk space, not correctness
    List<String> leftovers = new ArrayList<>();
    Map<String, Path> imagesByTarget = new LinkedHashMap<>();
    cx.hypervisor.disks(restored).forEach(d -> d.image().ifPresent(p -> imagesByTarget.put(d.target(), p)));
    rollbackMemory.ifPresent(m ->
        OperationContext.bestEffort(leftovers, "rollback memory image " + m, () -> PrivateFiles.deleteIfExists(m)));
    OperationContext.bestEffort(leftovers, "rollback disk snapshots",
        () -> deleteRollbackTags(restored, rollbackRequests, imagesByTarget, rollbackTag));
    cx.disposeGarbage(garbage, discarded, leftovers);
    // then the garbage is owned no longer, whether removed or kept (an image kept is the operator's to judge,
    // and so is what it reads through)
    if (!garbage.isEmpty()) {
      Set<Path> stillOwned = new HashSet<>(owned);
      stillOwned.removeAll(garbage);
      OperationContext.bestEffort(leftovers, "the record of the images the revert removed", () -> cx.store.save(
          new DomainMetadata(uuid, md.snapshots(), Optional.of(name), stillOwned, md.deferredCleanups())));
    }
    cx.clearIntent(uuid);
    return leftovers;
  }

  private void deleteRollbackTags(
      DomainRef domain, List<DiskSnapshotRequest> requests, Map<String, Path> imagesByTarget, String tag) {
    if (requests.isEmpty()) {
      return;
    }
    Map<String, DomainDisk> now = new LinkedHashMap<>();
    cx.hypervisor.disks(domain).forEach(d -> now.put(d.target(), d));
    for (DiskSnapshotRequest r : requests) {
      Path image = imagesByTarget.get(r.target());
      DomainDisk disk = now.get(r.target());
      if (image == null || !cx.images.info(image).internalSnapshots().contains(tag)) {
        continue; // removed already, by the run a crash interrupted: recovery repeats this
      }
      if (disk != null && disk.heldByDeviceModel() && disk.image().equals(Optional.of(image))) {
        cx.hypervisor.deleteInternalDiskSnapshot(domain, r.target(), tag);
      } else {
        cx.images.deleteInternalSnapshot(image, tag);
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

  private void checkDiskData(String domain, Snapshot snap, DiskSnapshot d, List<String> risks) {
    if (d.mode() == DiskSnapshotMode.NONE) {
      return;
    }
    Path image = d.image().orElseThrow();
    if (!Files.exists(image)) {
      throw new SnapshotDamagedException("snapshot '" + snap.name() + "' of " + domain + ": image " + image
          + " of disk " + d.target() + " is missing");
    }
    if (d.mode() == DiskSnapshotMode.INTERNAL) {
      String tag = d.tag().orElseThrow();
      if (!cx.images.info(image).internalSnapshots().contains(tag)) {
        throw new SnapshotDamagedException("snapshot '" + snap.name() + "' of " + domain + ": image " + image
            + " of disk " + d.target() + " no longer holds internal snapshot " + tag);
      }
    } else if (d.imageStamp().isPresent() && !d.imageStamp().equals(FileStamp.of(image))) {
      risks.add("image " + image + " of disk " + d.target() + " changed since the snapshot was taken");
    }
  }


  boolean recover(UUID uuid, Intent.Revert intent, Optional<DomainInfo> domain, List<String> actions) {
    // A revert of a crashed or shut-down instance saves no rollback memory image (see revertInactive).
    Optional<Path> rollbackMemory = intent.rollbackMemory();
    List<DiskSnapshotRequest> rollbackRequests = intent.rollbackRequests();
    String rollbackTag = intent.rollbackTag();
    Set<Path> fresh = new HashSet<>(intent.files());
    rollbackMemory.ifPresent(fresh::remove);
    boolean anotherInstance = domain.isPresent() && domain.get().ref().domid() != intent.domid();
    if (anotherInstance && intent.phase() == Intent.Revert.Phase.UNDO) {
      // the revert had failed, and the previous instance was brought back before the crash
      DomainRef back = domain.get().ref();
      Map<String, Path> imagesByTarget = new LinkedHashMap<>();
      cx.hypervisor.disks(back).forEach(d -> d.image().ifPresent(p -> imagesByTarget.put(d.target(), p)));
      deleteRollbackTags(back, rollbackRequests, imagesByTarget, rollbackTag);
      actions.add("the failed revert had brought the previous instance back as " + back);
    } else if (anotherInstance) {
      // the reverted instance runs: complete the revert
      DomainRef restored = domain.get().ref();
      List<Path> newImages = cx.hypervisor.disks(restored).stream().flatMap(d -> d.image().stream()).toList();
      Set<Path> created = new HashSet<>(fresh);
      created.retainAll(newImages);
      commitRevert(uuid, intent.snapshot(), created, newImages, intent.oldImages().values(), restored, rollbackRequests, rollbackTag,
          rollbackMemory, new Rollback("recover revert"));
      actions.add("revert completed: snapshot '" + intent.snapshot() + "' is current");
      return true;
    }
    if (rollbackMemory.isEmpty()) {
      // a crashed or shut-down instance: its rollback disk snapshots were taken after it was destroyed
      if (domain.isEmpty() && intent.domid() < 0) {
        actions.add("the revert of the domain, which no longer existed, to '" + intent.snapshot() + "' was "
            + "interrupted before its new instance came up: the images it made are removed; revert again");
      } else if (domain.isEmpty()) {
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
          if (image != null && cx.images.info(image).internalSnapshots().contains(rollbackTag)) {
            taken.add(r);
          }
        }
        if (!taken.isEmpty()) {
          cx.hypervisor.discardDiskSnapshots(ref, taken);
          actions.add("rollback disk snapshots removed");
        }
        cx.hypervisor.resume(ref);
        actions.add("domain resumed");
      }
    } else {
      // destroyed, and the new instance never came: bring the old one back
      Path memory = rollbackMemory.get();
      if (!Files.exists(memory)) {
        throw new XlsnapException("cannot recover the interrupted revert of domain " + uuid + ": it was destroyed "
            + "and its rollback memory image " + memory + " is missing");
      }
      DomainRef back = restorePrevious(uuid.toString(), intent.configuration(), memory, rollbackRequests,
          intent.oldImages(), rollbackTag, intent.wasPaused());
      actions.add("previous instance restored as " + back);
    }
    cx.removeUnlessInUse(intent.files(), cx.hypervisor.find(new DomainSelector.ByUuid(uuid)), actions);
    return false;
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
}
