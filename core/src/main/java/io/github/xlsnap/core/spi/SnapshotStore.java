package io.github.xlsnap.core.spi;

import java.nio.file.Path;
import java.util.Set;
import java.util.UUID;

/**
 * Where snapshot metadata lives: per domain, loaded and saved as a whole, each save atomic (a reader
 * sees all of it or none of it, and a crash leaves the previous or the new version).
 *
 * <p>Implementations: {@link InMemorySnapshotStore}, and the durable JSON store of the
 * {@code xlsnap-snapshot-store} module ({@code <root>/<domain-uuid>/snapshotdata-<name>.libxl-json}).
 *
 * <p>Implementations must be safe for use by several threads. The manager serializes writers of one
 * domain within its JVM; a store shared between processes serializes them itself.
 */
public interface SnapshotStore {

  /**
   * Loads a domain's metadata.
   *
   * @param domain the domain's UUID
   * @return its metadata, {@link DomainMetadata#empty} if it has none
   */
  DomainMetadata load(UUID domain);

  /**
   * Replaces a domain's metadata atomically. Saving metadata with no snapshots and no owned images
   * removes the domain from the store.
   *
   * @param metadata the new metadata
   */
  void save(DomainMetadata metadata);

  /**
   * Lists the domains that have metadata.
   *
   * @return their UUIDs
   */
  Set<UUID> domains();

  /**
   * Returns the directory for files of a domain's snapshots that have no path of their own, such as
   * memory images; the manager creates it when needed.
   *
   * @param domain the domain's UUID
   * @return the directory, absolute
   */
  Path dataDirectory(UUID domain);
}
