package io.github.xlsnap.core.internal;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.DiskSpec;
import io.github.xlsnap.core.InvalidSnapshotSpecException;
import io.github.xlsnap.core.spi.DomainDisk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Decides how each disk of a domain is captured by a new snapshot, from the caller's disk specs and
 * the defaults, and checks what the caller asked for against the domain's disks.
 */
public final class DiskPlanner {

  /** How one disk will be captured. */
  public record PlannedDisk(DomainDisk disk, DiskSnapshotMode mode, Optional<Path> overlay) {}

  private DiskPlanner() {}

  /**
   * Plans every disk of the domain.
   *
   * @param disks the domain's disks
   * @param specs the caller's specs, empty for all defaults
   * @param overlaySuffix a file-system-safe word for default overlay names, unique to the snapshot
   * @return one planned disk per domain disk, in the domain's order
   * @throws InvalidSnapshotSpecException naming the disk and what is wrong
   */
  public static List<PlannedDisk> plan(List<DomainDisk> disks, Optional<List<DiskSpec>> specs, String overlaySuffix) {
    Map<String, DomainDisk> byTarget = new HashMap<>();
    for (DomainDisk d : disks) {
      byTarget.put(d.target(), d);
    }
    Map<String, DiskSpec> requested = new HashMap<>();
    for (DiskSpec s : specs.orElse(List.of())) {
      String field = "disks[" + s.target() + "]";
      if (!byTarget.containsKey(s.target())) {
        throw new InvalidSnapshotSpecException(field,
            "the domain has no disk " + s.target() + "; its disks are " + byTarget.keySet().stream().sorted().toList());
      }
      if (requested.put(s.target(), s) != null) {
        throw new InvalidSnapshotSpecException(field, "disk " + s.target() + " is listed twice");
      }
    }
    List<PlannedDisk> plan = new ArrayList<>();
    Set<Path> overlays = new HashSet<>();
    for (DomainDisk d : disks) {
      DiskSpec spec = requested.get(d.target());
      PlannedDisk p = spec == null ? byDefault(d, overlaySuffix) : asRequested(d, spec, overlaySuffix);
      p.overlay().ifPresent(o -> {
        if (!overlays.add(o)) {
          throw new InvalidSnapshotSpecException("disks[" + d.target() + "].path", "overlay " + o + " is used twice");
        }
        for (DomainDisk other : disks) {
          if (other.image().equals(Optional.of(o))) {
            throw new InvalidSnapshotSpecException("disks[" + d.target() + "].path",
                "overlay " + o + " is the image of disk " + other.target());
          }
        }
      });
      plan.add(p);
    }
    return List.copyOf(plan);
  }

  private static PlannedDisk byDefault(DomainDisk d, String suffix) {
    if (d.image().isEmpty() || d.cdrom() || d.readOnly() || d.format() == DiskFormat.EMPTY) {
      return new PlannedDisk(d, DiskSnapshotMode.NONE, Optional.empty());
    }
    return switch (d.format()) {
      case QCOW2 -> new PlannedDisk(d, DiskSnapshotMode.INTERNAL, Optional.empty());
      case RAW -> new PlannedDisk(d, DiskSnapshotMode.EXTERNAL, Optional.of(defaultOverlay(d, suffix)));
      default -> throw new InvalidSnapshotSpecException("disks[" + d.target() + "]",
          "disk " + d.target() + " is " + d.format().xlName()
              + ", which xlsnap cannot snapshot; leave it out explicitly (mode NONE) to snapshot the other disks");
    };
  }

  private static PlannedDisk asRequested(DomainDisk d, DiskSpec spec, String suffix) {
    String field = "disks[" + d.target() + "]";
    switch (spec.mode()) {
      case NONE:
        return new PlannedDisk(d, DiskSnapshotMode.NONE, Optional.empty());
      case INTERNAL:
        if (d.image().isEmpty()) {
          throw new InvalidSnapshotSpecException(field, "disk " + d.target() + " has no image");
        }
        if (d.format() != DiskFormat.QCOW2) {
          throw new InvalidSnapshotSpecException(field, "an internal snapshot needs a qcow2 image; disk "
              + d.target() + " is " + d.format().xlName() + " (use an external snapshot)");
        }
        return new PlannedDisk(d, DiskSnapshotMode.INTERNAL, Optional.empty());
      case EXTERNAL:
        if (d.image().isEmpty()) {
          throw new InvalidSnapshotSpecException(field, "disk " + d.target() + " has no image");
        }
        spec.format().filter(f -> f != DiskFormat.QCOW2).ifPresent(f -> {
          throw new InvalidSnapshotSpecException(field + ".format",
              "external snapshots are qcow2 overlays; format " + f.xlName() + " is not supported");
        });
        Path overlay = spec.path().orElseGet(() -> defaultOverlay(d, suffix));
        if (!overlay.isAbsolute()) {
          throw new InvalidSnapshotSpecException(field + ".path", "overlay path " + overlay + " is not absolute");
        }
        if (Files.exists(overlay)) {
          throw new InvalidSnapshotSpecException(field + ".path", "overlay " + overlay + " already exists");
        }
        Path parent = overlay.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
          throw new InvalidSnapshotSpecException(field + ".path", "directory of overlay " + overlay + " does not exist");
        }
        return new PlannedDisk(d, DiskSnapshotMode.EXTERNAL, Optional.of(overlay));
      default:
        throw new AssertionError(spec.mode());
    }
  }

  /**
   * The default path of an overlay: beside the disk's image, named after it and the snapshot, within
   * the file-name limit however long the chain of overlays ({@link FileNames#derive}).
   *
   * @param d the disk
   * @param suffix a file-system-safe word unique to the snapshot
   * @return e.g. {@code /images/vm1-xvda.<suffix>.qcow2} for {@code /images/vm1-xvda.raw}
   */
  public static Path defaultOverlay(DomainDisk d, String suffix) {
    Path image = d.image().orElseThrow();
    return image.resolveSibling(FileNames.derive(image.getFileName().toString(), suffix, "qcow2"));
  }
}
