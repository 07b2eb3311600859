package io.github.xlsnap.core.spi;

import java.nio.file.Path;
import java.util.Optional;
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
 * domain within its JVM; a store shared between processes serializes them itself, and, through
 * {@link #lockDomain}, lets the manager hold a domain for a whole operation (load, hypervisor work,
 * save), so that managers in different processes never lose each other's updates.
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
   * Durably records what the manager is about to do to a domain, before it touches the domain, or
   * clears that record once the operation has ended. After a crash the record tells the next manager
   * what to finish or undo ({@link io.github.xlsnap.core.SnapshotManager#recover}). The text is the
   * manager's own; the store keeps it verbatim, one record per domain, written as atomically and
   * durably as the metadata.
   *
   * @param domain the domain's UUID
   * @param intent the record, or empty to clear it
   */
  void saveIntent(UUID domain, Optional<String> intent);

  /**
   * Returns the manager's record of an operation that did not end.
   *
   * @param domain the domain's UUID
   * @return the record saved by {@link #saveIntent}, empty if none
   */
  Optional<String> loadIntent(UUID domain);

  /**
   * Returns the directory for files of a domain's snapshots that have no path of their own, such as
   * memory images; the manager creates it when needed.
   *
   * @param domain the domain's UUID
   * @return the directory, absolute
   */
  Path dataDirectory(UUID domain);

  /**
   * Holds a domain for one whole operation of the manager, against other processes: the manager
   * calls it after taking its own in-JVM lock of the domain and closes the lease when the operation
   * ends; {@link #load} and {@link #save} are called while it is held, by the same thread. The
   * default holds nothing, which suffices for a store used by one process.
   *
   * @param domain the domain's UUID
   * @return the held lease; closing it releases the domain
   */
  default Lease lockDomain(UUID domain) {
    return Lease.NONE;
  }

  /** A domain held by {@link #lockDomain}; {@link #close} releases it. Used by one thread. */
  @FunctionalInterface
  interface Lease extends AutoCloseable {
    /** A lease that holds nothing. */
    Lease NONE = () -> { };

    /** Releases the domain. */
    @Override
    void close();
  }
}
