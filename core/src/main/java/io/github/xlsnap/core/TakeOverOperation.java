package io.github.xlsnap.core;

import io.github.xlsnap.core.internal.ImageGraph;
import io.github.xlsnap.core.internal.Intent;
import io.github.xlsnap.core.internal.PrivateFiles;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The take-over of an operation another host of a pool recorded and did not finish, that host being
 * down for good (see {@link SnapshotManager#takeOver}). Only the metadata and the files are this
 * host's to put right: the domain ran on the other host's hypervisor, so nothing of it can be resumed,
 * restored or switched back from here, and a file the domain may have written to, or that is the only
 * copy of a state, is kept where it is and reported, never deleted. Called with the domain held.
 */
final class TakeOverOperation {
  private final OperationContext cx;
  private final DeleteOperation deletes;

  TakeOverOperation(OperationContext cx, DeleteOperation deletes) {
    this.cx = cx;
    this.deletes = deletes;
  }

  /**
   * Takes the operation over.
   *
   * @param local the domain if it now runs on this host (its images are then in use, whatever the record says)
   * @return whether the operation had committed (and is now complete as far as metadata and files go)
   */
  boolean takeOver(UUID uuid, Intent intent, String host, Optional<DomainInfo> local, List<String> actions) {
    Set<Path> inUse = inUse(local);
    if (intent instanceof Intent.Create c) {
      return create(uuid, c, host, inUse, actions);
    } else if (intent instanceof Intent.Delete d) {
      // the delete's own recovery needs no hypervisor: without the domain, nothing is held (the host that
      // ran it is down), or the local instance's images are, when it runs here now
      return deletes.recover(uuid, d, local, actions);
    }
    return revert(uuid, (Intent.Revert) intent, host, inUse, actions);
  }

  private boolean create(UUID uuid, Intent.Create intent, String host, Set<Path> inUse, List<String> actions) {
    boolean committed = cx.store.load(uuid).tree().contains(intent.snapshot());
    if (committed) {
      actions.add("the snapshot was committed; host " + host + " did not get to resume the domain, which went down "
          + "with it");
      return true;
    }
    Set<Path> overlays = new HashSet<>();
    intent.requests().forEach(r -> r.overlay().ifPresent(overlays::add));
    for (Path f : intent.files()) {
      if (!Files.exists(f)) {
        continue;
      }
      if (overlays.contains(f) || inUse.contains(f)) {
        // the domain was switched onto it before the commit, and may have written to it since
        actions.add("kept " + f + ": the domain may have run on it on host " + host + " (no snapshot names it; delete "
            + "it once the domain is known not to use it)");
      } else {
        PrivateFiles.deleteIfExists(f); // the memory image of a snapshot that never was: nobody's data
        actions.add("removed " + f);
      }
    }
    for (DiskSnapshotRequest r : intent.requests()) {
      r.tag().ifPresent(tag -> actions.add("internal snapshot " + tag + " of disk " + r.target()
          + " may remain in its image: no snapshot names it"));
    }
    return false;
  }

  private boolean revert(UUID uuid, Intent.Revert intent, String host, Set<Path> inUse, List<String> actions) {
    DomainMetadata md = cx.store.load(uuid);
    Set<Path> fresh = new HashSet<>(intent.files());
    intent.rollbackMemory().ifPresent(fresh::remove);
    // the commit makes the snapshot current and owns the new images the reverted instance runs on
    boolean committed = md.current().equals(Optional.of(intent.snapshot()))
        && fresh.stream().filter(Files::exists).anyMatch(md.ownedImages()::contains);
    Optional<Path> rollbackMemory = intent.rollbackMemory().filter(Files::exists);
    if (committed) {
      rollbackMemory.filter(m -> !inUse.contains(m)).ifPresent(m -> {
        PrivateFiles.deleteIfExists(m);
        actions.add("removed the rollback memory image " + m + " of the completed revert");
      });
      actions.add("the revert was committed: snapshot '" + intent.snapshot() + "' is current");
      return true;
    }
    rollbackMemory.ifPresent(m -> actions.add("kept " + m + ": the memory of the instance the revert replaced on host "
        + host + ", perhaps the only copy of its state (xl restore can bring it back with its disks "
        + intent.oldImages() + ")"));
    for (Path f : fresh) {
      if (Files.exists(f)) {
        actions.add("kept " + f + ": the reverted instance may have run on it on host " + host + " (no snapshot "
            + "names it; delete it once the domain is known not to use it)");
      }
    }
    if (!intent.rollbackRequests().isEmpty()) {
      actions.add("rollback internal snapshots " + intent.rollbackTag() + " may remain in " + intent.oldImages().values()
          + ": the disks as they were before the revert");
    }
    return false;
  }

  private Set<Path> inUse(Optional<DomainInfo> local) {
    if (local.isEmpty()) {
      return Set.of();
    }
    Set<Path> tops = new HashSet<>();
    cx.hypervisor.disks(local.get().ref()).forEach(d -> d.image().ifPresent(tops::add));
    return tops.isEmpty() ? Set.of() : new ImageGraph(cx.images).chains(tops);
  }
}
