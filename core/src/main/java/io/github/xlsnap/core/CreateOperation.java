package io.github.xlsnap.core;

import static io.github.xlsnap.core.OperationContext.LOG;
import static io.github.xlsnap.core.OperationContext.TAG_PREFIX;

import io.github.xlsnap.core.internal.DiskPlanner;
import io.github.xlsnap.core.internal.DiskPlanner.PlannedDisk;
import io.github.xlsnap.core.internal.Intent;
import io.github.xlsnap.core.internal.PrivateFiles;
import io.github.xlsnap.core.internal.Rollback;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * {@code snapshot-create}, and the recovery of one a crash interrupted. Called with the domain held
 * (see {@link SnapshotManager}).
 */
final class CreateOperation {
  private final OperationContext cx;

  CreateOperation(OperationContext cx) {
    this.cx = cx;
  }

  Snapshot run(DomainInfo info, CreateSpec spec) {
    DomainRef ref = info.ref();
    requireSnapshottable(info);
    DomainMetadata md = cx.store.load(ref.uuid());
    SnapshotTree tree = md.tree();
    Instant now = cx.clock.instant();
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
    String id = cx.ids.get();
    Optional<Path> memoryImage = memory ? Optional.of(memoryPath(ref, spec, name, id)) : Optional.empty();
    String tag = TAG_PREFIX + id;
    List<PlannedDisk> plan = DiskPlanner.plan(cx.hypervisor.disks(ref), spec.disks(), tag);
    List<DiskSnapshotRequest> requests = new ArrayList<>();
    for (PlannedDisk p : plan) {
      switch (p.mode()) {
        case INTERNAL -> requests.add(DiskSnapshotRequest.internal(p.disk().target(), tag));
        case EXTERNAL -> requests.add(DiskSnapshotRequest.external(p.disk().target(), p.overlay().orElseThrow()));
        case NONE -> { }
      }
    }

    boolean wasPaused = info.state().paused();
    // the configuration the memory image goes with, which a revert restores the domain from
    DomainConfiguration configuration = cx.hypervisor.configuration(ref);
    List<Path> newFiles = new ArrayList<>();
    memoryImage.ifPresent(newFiles::add);
    plan.forEach(p -> p.overlay().ifPresent(newFiles::add));
    cx.recordIntent(ref.uuid(), new Intent.Create(name, ref.domid(), wasPaused, memory, newFiles, requests));
    Rollback rollback = new Rollback("create snapshot '" + name + "' of " + ref.name());
    try {
      Optional<FileStamp> memoryStamp = Optional.empty();
      if (memoryImage.isPresent()) {
        Path file = memoryImage.get();
        OperationContext.createMemoryFile(file, "memory_path");
        rollback.add("delete memory image " + file, () -> PrivateFiles.deleteIfExists(file));
        CheckpointResult r = cx.checkpoint(ref, file, live ? CheckpointMode.LIVE : CheckpointMode.STOPPED);
        rollback.add("resume " + ref.name(), () -> cx.hypervisor.resume(ref));
        LOG.info("saved memory of {} to {}: {} bytes in {} round(s), guest stopped {} ms", ref.name(), file,
            r.bytesWritten(), r.rounds(), r.guestStopped().toMillis());
        cx.sync.force(file); // durable before the metadata names it, whatever the backend did
        memoryStamp = FileStamp.of(file);
      } else if (!wasPaused) {
        cx.hypervisor.pause(ref);
        rollback.add("unpause " + ref.name(), () -> cx.hypervisor.unpause(ref));
      }
      if (!requests.isEmpty()) {
        cx.hypervisor.snapshotDisks(ref, requests);
        rollback.add("discard disk snapshots of " + ref.name(), () -> cx.hypervisor.discardDiskSnapshots(ref, requests));
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
          info.state(), live, memoryImage, memoryStamp, disks, Optional.of(configuration));
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
      // the commit point: a save that throws committed nothing (SnapshotStore's contract)
      cx.store.save(new DomainMetadata(ref.uuid(), all, Optional.of(name), owned, md.deferredCleanups()));
      rollback.add("restore metadata of " + ref.name(), () -> cx.store.save(md));
      if (memoryImage.isPresent()) {
        cx.hypervisor.resume(ref);
      } else if (!wasPaused) {
        cx.hypervisor.unpause(ref);
      }
      rollback.clear();
      cx.clearIntent(ref.uuid());
      LOG.info("created snapshot '{}' of {}", name, ref.name());
      return snapshot;
    } catch (RuntimeException | Error e) {
      rollback.undo(e, () -> cx.clearIntent(ref.uuid()));
      throw e;
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
    Path dir = cx.store.dataDirectory(ref.uuid());
    PrivateFiles.createDirectories(dir);
    String file = name + ".memory";
    boolean plain = file.getBytes(StandardCharsets.UTF_8).length <= 255 && !name.startsWith(".");
    return dir.resolve(plain ? file : TAG_PREFIX + id + ".memory");
  }

  private static void requireSnapshottable(DomainInfo info) {
    if (info.ref().domid() == 0) {
      throw new DomainStateException("cannot snapshot Domain-0", info.state());
    }
    if (!info.state().isActive()) {
      throw new DomainStateException("cannot snapshot domain " + info.ref().name()
          + ": it must be running or paused", info.state());
    }
  }

  /**
   * Finishes an interrupted create: if the metadata committed it, only the domain is set going again;
   * otherwise the disk snapshots are taken back while the domain has not run since, and the files it
   * made are removed.
   *
   * @return whether the create had committed
   */
  boolean recover(UUID uuid, Intent.Create intent, Optional<DomainInfo> domain, List<String> actions) {
    boolean committed = cx.store.load(uuid).tree().contains(intent.snapshot());
    if (domain.isPresent()) {
      DomainRef ref = domain.get().ref();
      DomainState state = domain.get().state();
      boolean stoppedByUs = state.isSuspended() || (!intent.withMemory() && state.paused() && !intent.wasPaused());
      if (!committed && stoppedByUs) {
        // the domain has not run since it was stopped: its disks can still be put back
        List<DomainDisk> disks = cx.hypervisor.disks(ref);
        for (DiskSnapshotRequest r : intent.requests()) {
          Optional<DomainDisk> disk = disks.stream().filter(d -> d.target().equals(r.target())).findFirst();
          if (disk.isEmpty() || disk.get().image().isEmpty()) {
            continue;
          }
          Path image = disk.get().image().get();
          if (r.mode() == DiskSnapshotMode.EXTERNAL && r.overlay().equals(Optional.of(image))) {
            cx.hypervisor.discardDiskSnapshots(ref, List.of(r));
            actions.add("disk " + r.target() + " switched back from overlay " + image);
          } else if (r.mode() == DiskSnapshotMode.INTERNAL
              && cx.images.info(image).internalSnapshots().contains(r.tag().orElseThrow())) {
            cx.hypervisor.discardDiskSnapshots(ref, List.of(r));
            actions.add("internal snapshot " + r.tag().orElseThrow() + " removed from " + image);
          }
        }
      }
      if (state.isSuspended()) {
        cx.hypervisor.resume(ref);
        actions.add("domain resumed");
      } else if (stoppedByUs) {
        cx.hypervisor.unpause(ref);
        actions.add("domain unpaused");
      }
    }
    if (!committed) {
      cx.removeUnlessInUse(intent.files(), cx.hypervisor.find(new DomainSelector.ByUuid(uuid)), actions);
    }
    return committed;
  }
}
