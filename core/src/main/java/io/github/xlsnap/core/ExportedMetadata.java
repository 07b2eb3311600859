package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.spi.DomainMetadata;

/**
 * A domain's snapshot metadata as exported from one host ({@link SnapshotManager#exportMetadata}) to be
 * imported on another ({@link SnapshotManager#importMetadata}), as libvirt's
 * {@code snapshot-dumpxml} and {@code snapshot-create --redefine} move a domain's snapshots: all its
 * snapshots with their relations, the current snapshot, the images xlsnap created for it and the
 * clean-ups still deferred. Metadata only: the files it names (memory images, disk images, overlays)
 * are not in it and must be reachable at the same paths where it is imported. The
 * {@code xlsnap-snapshot-store} module writes and reads it as one versioned JSON document
 * ({@code io.github.xlsnap.store.MetadataDocuments}).
 *
 * @param domainName the domain's name on the host it was exported from
 * @param metadata the metadata, keyed by the domain's UUID there
 */
public record ExportedMetadata(String domainName, DomainMetadata metadata) {
  /**
   * Checks the components.
   *
   * @param domainName the domain's name
   * @param metadata the metadata
   */
  public ExportedMetadata {
    requireNonNull(domainName, "domainName");
    requireNonNull(metadata, "metadata");
  }
}
