package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.spi.DomainConfiguration;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One snapshot of a domain: the seed design's {@code xl_domain_snapshot_info}. Immutable; the
 * relations ({@link #parent()}, {@link #children()}) are kept consistent by {@link SnapshotTree}.
 *
 * @param name the snapshot's name, unique within the domain (see {@link SnapshotNames})
 * @param createTime when it was taken
 * @param description free text, empty if none
 * @param parent the snapshot that was current when it was taken, empty for a root
 * @param children the names of the snapshots taken with this one current, in creation order
 * @param domainState the domain's state when it was taken; a revert returns to it by default
 * @param live whether it was taken live (memory copied while the guest ran)
 * @param memoryImage the memory image, empty for a snapshot of disks only
 * @param memoryStamp the memory image's stamp when written, to detect later changes
 * @param disks how each disk was captured, in the domain's disk order
 * @param configuration the domain's configuration when it was taken, in the backend's form, which a
 *     revert restores the domain from (the seed design's "according to the info in
 *     {@code xl_domain_snapshot_info}"); empty for a snapshot taken by a version that did not keep it
 */
public record Snapshot(
    String name,
    Instant createTime,
    String description,
    Optional<String> parent,
    List<String> children,
    DomainState domainState,
    boolean live,
    Optional<Path> memoryImage,
    Optional<FileStamp> memoryStamp,
    List<DiskSnapshot> disks,
    Optional<DomainConfiguration> configuration) {

  /**
   * Checks the components and copies the lists.
   *
   * @param name the snapshot's name
   * @param createTime when it was taken
   * @param description free text
   * @param parent the parent's name
   * @param children the children's names
   * @param domainState the domain's state when taken
   * @param live whether taken live
   * @param memoryImage the memory image
   * @param memoryStamp the memory image's stamp
   * @param disks the disks
   * @param configuration the domain's configuration
   */
  public Snapshot {
    SnapshotNames.validate(name);
    requireNonNull(createTime, "createTime");
    requireNonNull(description, "description");
    requireNonNull(parent, "parent");
    requireNonNull(domainState, "domainState");
    requireNonNull(memoryImage, "memoryImage");
    requireNonNull(memoryStamp, "memoryStamp");
    requireNonNull(configuration, "configuration");
    children = List.copyOf(children);
    disks = List.copyOf(disks);
    parent.ifPresent(p -> checkArgument(!p.equals(name), "snapshot %s cannot be its own parent", name));
    checkArgument(!children.contains(name), "snapshot %s cannot be its own child", name);
    checkArgument(new HashSet<>(children).size() == children.size(), "snapshot %s lists a child twice", name);
    memoryImage.ifPresent(p -> checkArgument(p.isAbsolute(), "memory image path %s is not absolute", p));
    Set<String> targets = new HashSet<>();
    for (DiskSnapshot d : disks) {
      checkArgument(targets.add(d.target()), "snapshot %s lists disk %s twice", name, d.target());
    }
  }

  /**
   * Creates a snapshot without the domain's configuration, as versions before 0.2 kept them.
   *
   * @param name the snapshot's name
   * @param createTime when it was taken
   * @param description free text
   * @param parent the parent's name
   * @param children the children's names
   * @param domainState the domain's state when taken
   * @param live whether taken live
   * @param memoryImage the memory image
   * @param memoryStamp the memory image's stamp
   * @param disks the disks
   */
  public Snapshot(String name, Instant createTime, String description, Optional<String> parent, List<String> children,
      DomainState domainState, boolean live, Optional<Path> memoryImage, Optional<FileStamp> memoryStamp,
      List<DiskSnapshot> disks) {
    this(name, createTime, description, parent, children, domainState, live, memoryImage, memoryStamp, disks,
        Optional.empty());
  }

  /**
   * Returns a copy with other disk records (new stamps of images xlsnap rewrote without changing them).
   *
   * @param newDisks the disks
   * @return the copy
   */
  public Snapshot withDisks(List<DiskSnapshot> newDisks) {
    return new Snapshot(name, createTime, description, parent, children, domainState, live, memoryImage, memoryStamp,
        newDisks, configuration);
  }

  /**
   * Tells whether any disk is captured in an external overlay.
   *
   * @return true if at least one disk is {@link DiskSnapshotMode#EXTERNAL}
   */
  public boolean isExternal() {
    return disks.stream().anyMatch(d -> d.mode() == DiskSnapshotMode.EXTERNAL);
  }

  /**
   * Tells whether the snapshot is internal: at least one disk captured inside its image, none in an
   * overlay. (A snapshot of memory only is neither internal nor external.)
   *
   * @return true if internal
   */
  public boolean isInternal() {
    return !isExternal() && disks.stream().anyMatch(d -> d.mode() == DiskSnapshotMode.INTERNAL);
  }

  /**
   * Tells whether the snapshot holds the domain's memory.
   *
   * @return true if it has a memory image
   */
  public boolean hasMemory() {
    return memoryImage.isPresent();
  }

  /**
   * Returns the disk snapshot of one target.
   *
   * @param target the virtual device
   * @return its disk snapshot, empty if the domain had no such disk
   */
  public Optional<DiskSnapshot> disk(String target) {
    return disks.stream().filter(d -> d.target().equals(target)).findFirst();
  }

  /**
   * Returns a copy with other relations.
   *
   * @param newParent the parent's name, empty for a root
   * @param newChildren the children's names
   * @return the copy
   */
  public Snapshot withRelations(Optional<String> newParent, List<String> newChildren) {
    return new Snapshot(name, createTime, description, newParent, newChildren, domainState, live,
        memoryImage, memoryStamp, disks, configuration);
  }
}
