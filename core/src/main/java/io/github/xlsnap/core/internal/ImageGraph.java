package io.github.xlsnap.core.internal;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.ImageInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which disk images a domain still needs, and how to drop the ones it does not.
 *
 * <p>An image is <em>live</em> if a disk uses it now, a surviving snapshot holds its state in it
 * (an internal snapshot, or the frozen image of an external one), or a live image has it as backing
 * file. Images xlsnap created (owned) that are no longer live are garbage. An owned image that is
 * live only as a backing file can be <em>merged away</em>: each image backed by it is rebased onto its
 * backing file ({@code qemu-img rebase}, which keeps every image's contents as they read), after
 * which it is garbage too. Images a running device model holds are never rebased: what would be merged
 * into one is held back.
 */
public final class ImageGraph {
  /** One rebase that merges an image away. */
  public record Rebase(Path image, Optional<Path> newBacking, DiskFormat newBackingFormat) {}

  /**
   * What to do: rebases first (they change no image's contents), then delete the garbage.
   *
   * @param rebases the rebases
   * @param garbage the images to delete after them
   * @param heldBack owned images no snapshot needs that stay, because an image built on them is held
   *     by a device model and so cannot be rebased now
   */
  public record Plan(List<Rebase> rebases, Set<Path> garbage, Set<Path> heldBack) {
    /**
     * A plan that holds nothing back.
     *
     * @param rebases the rebases
     * @param garbage the images to delete after them
     */
    public Plan(List<Rebase> rebases, Set<Path> garbage) {
      this(rebases, garbage, Set.of());
    }
  }

  private final DiskImages images;
  private final Map<Path, Optional<ImageInfo>> infos = new HashMap<>();

  /**
   * Creates a graph that reads images through the given tool.
   *
   * @param images the disk image tool
   */
  public ImageGraph(DiskImages images) {
    this.images = images;
  }

  /**
   * Plans the merges and deletions.
   *
   * @param referenced images used by a disk now or holding a surviving snapshot's state
   * @param owned images xlsnap created
   * @param held images a running device model holds (no rebase may touch them)
   * @return the plan
   */
  public Plan plan(Set<Path> referenced, Set<Path> owned, Set<Path> held) {
    Map<Path, Optional<Path>> backingOf = new HashMap<>();
    List<Rebase> rebases = new ArrayList<>();
    Set<Path> live = closure(referenced, backingOf);
    Set<Path> heldBack = new LinkedHashSet<>();
    boolean changed = true;
    while (changed) {
      changed = false;
      for (Path candidate : List.copyOf(live)) {
        if (!owned.contains(candidate) || referenced.contains(candidate)) {
          continue;
        }
        List<Path> dependants = live.stream()
            .filter(p -> backingOf.getOrDefault(p, Optional.empty()).equals(Optional.of(candidate)))
            .toList();
        if (dependants.isEmpty() || dependants.stream().anyMatch(d -> held.contains(d) || hasInternalSnapshots(d))) {
          if (dependants.stream().anyMatch(held::contains) && dependants.stream().noneMatch(this::hasInternalSnapshots)) {
            heldBack.add(candidate); // mergeable once no device model holds its dependants
          }
          continue;
        }
        Optional<ImageInfo> info = info(candidate);
        if (info.isEmpty()) {
          continue;
        }
        Optional<Path> newBacking = info.get().backingFile();
        DiskFormat newFormat = newBacking.flatMap(this::info).map(ImageInfo::format).orElse(DiskFormat.RAW);
        for (Path dependant : dependants) {
          rebases.add(new Rebase(dependant, newBacking, newFormat));
          backingOf.put(dependant, newBacking);
        }
        live = closure(referenced, backingOf);
        changed = true;
        break;
      }
    }
    heldBack.retainAll(live);
    return new Plan(List.copyOf(rebases), garbageOutside(live, owned), Set.copyOf(heldBack));
  }

  /**
   * Returns the owned images that nothing needs, without merging anything.
   *
   * @param referenced images used by a disk now or holding a surviving snapshot's state
   * @param owned images xlsnap created
   * @return the owned images outside every live backing chain
   */
  public Set<Path> garbage(Set<Path> referenced, Set<Path> owned) {
    return garbageOutside(closure(referenced, new HashMap<>()), owned);
  }

  private static Set<Path> garbageOutside(Set<Path> live, Set<Path> owned) {
    Set<Path> garbage = new LinkedHashSet<>();
    for (Path p : owned) {
      if (!live.contains(p) && Files.exists(p)) {
        garbage.add(p);
      }
    }
    return Set.copyOf(garbage);
  }

  /**
   * Returns the backing chains of some images: the images and every backing file below them.
   *
   * @param tops the images
   * @return the images and their backing files
   */
  public Set<Path> chains(Set<Path> tops) {
    return closure(tops, new HashMap<>());
  }

  private Set<Path> closure(Set<Path> roots, Map<Path, Optional<Path>> backingOf) {
    Set<Path> seen = new LinkedHashSet<>();
    Deque<Path> todo = new ArrayDeque<>(roots);
    while (!todo.isEmpty()) {
      Path p = todo.pop();
      if (!seen.add(p)) {
        continue;
      }
      Optional<Path> backing = backingOf.computeIfAbsent(p, q -> info(q).flatMap(ImageInfo::backingFile));
      backing.ifPresent(todo::push);
    }
    return seen;
  }

  private boolean hasInternalSnapshots(Path p) {
    return info(p).map(i -> !i.internalSnapshots().isEmpty()).orElse(false);
  }

  private Optional<ImageInfo> info(Path p) {
    return infos.computeIfAbsent(p, q -> Files.exists(q) ? Optional.of(images.info(q)) : Optional.empty());
  }
}
