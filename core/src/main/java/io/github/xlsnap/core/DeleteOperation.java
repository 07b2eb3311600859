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
    cx.recordIntent(uuid, new Intent.Delete(name, info.map(i -> i.ref().domid()).orElse(0), doomed, cleanup,
        List.copyOf(uncertain)));
    Set<Path> rewritten = new HashSet<>();
    Set<Path> owned = new HashSet<>(md.ownedImages());
    owned.removeAll(plan.garbage());
    List<Snapshot> kept;
    try {
      for (ImageGraph.Rebase r : plan.rebases()) {
        cx.images.rebase(r.image(), r.newBacking(), r.newBackingFormat()); // keeps what every image reads
        rewritten.add(r.image());
      }
      kept = restamp(survivors.values(), rewritten);
      cx.store.save(new DomainMetadata(uuid, kept, current, owned));
    } catch (RuntimeException | Error e) {
      cx.clearIntent(uuid); // nothing was committed; the rebases changed no image's contents
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
          OperationContext.bestEffort(leftovers, "internal snapshot " + tag + " in " + image, () -> {
            cx.deleteInternal(info, activeDisks, held, d.target(), image, tag);
            trimmed.add(image);
          });
        }
      }
      s.memoryImage().ifPresent(m -> OperationContext.bestEffort(leftovers, "memory image " + m, () -> PrivateFiles.deleteIfExists(m)));
    }
    Set<Path> mergedAway = new HashSet<>(plan.garbage());
    mergedAway.removeAll(uncertain);
    cx.disposeGarbage(plan.garbage(), mergedAway, leftovers);
    List<Snapshot> restamped = restamp(kept, trimmed);
    if (!restamped.equals(kept)) {
      // removing an internal snapshot rewrites the file, not the contents other snapshots rely on
      DomainMetadata updated = new DomainMetadata(uuid, restamped, current, owned);
      OperationContext.bestEffort(leftovers, "new stamps of images " + trimmed, () -> cx.store.save(updated));
    }
    cx.clearIntent(uuid);
    return new DeleteResult(doomed, current, leftovers);
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

  private static Optional<String> nearestSurvivor(SnapshotTree tree, String from, Set<String> gone) {
    for (String a : tree.ancestors(from)) {
      if (!gone.contains(a)) {
        return Optional.of(a);
      }
    }
    return Optional.empty();
  }

  boolean recover(UUID uuid, Intent.Delete intent, Optional<DomainInfo> domain, List<String> actions) {
    SnapshotTree tree = cx.store.load(uuid).tree();
    boolean committed = intent.doomed().stream().noneMatch(tree::contains);
    if (!committed) {
      return false; // before the commit only rebases ran, which change no image's contents
    }
    List<DomainDisk> active = domain.map(d -> cx.hypervisor.disks(d.ref())).orElse(List.of());
    Set<Path> held = cx.heldImages(new ImageGraph(cx.images), domain, active);
    Set<Path> trimmed = new HashSet<>();
    for (Map.Entry<Path, String> c : intent.cleanup()) {
      Path file = c.getKey();
      String tag = c.getValue();
      if (!Files.exists(file)) {
        continue;
      }
      if (tag.isEmpty()) {
        PrivateFiles.deleteIfExists(file);
        actions.add("removed " + file);
      } else if (cx.images.info(file).internalSnapshots().contains(tag)) {
        cx.deleteInternal(domain, active, held, "?", file, tag);
        actions.add("removed internal snapshot " + tag + " from " + file);
      }
      // also when an earlier recovery removed the tag and was killed before it recorded the new stamp
      trimmed.add(file);
    }
    // as the delete itself does: removing an internal snapshot rewrites the file, not what it reads as
    DomainMetadata md = cx.store.load(uuid);
    List<Snapshot> restamped = restamp(md.snapshots(), trimmed);
    if (!restamped.equals(md.snapshots())) {
      cx.store.save(new DomainMetadata(uuid, restamped, md.current(), md.ownedImages()));
      actions.add("recorded the new stamps of " + trimmed);
    }
    cx.disposeGarbage(Set.copyOf(intent.uncertain()), Set.of(), actions);
    return true;
  }
}
