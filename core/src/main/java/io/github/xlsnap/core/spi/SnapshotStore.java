package io.github.xlsnap.core.spi;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Where snapshot metadata lives: per domain, loaded and saved as a whole, each save atomic (a reader
 * sees all of it or none of it, and a crash leaves the previous or the new version).
 *
 * <p><b>What a failed call means.</b> The manager decides whether to roll an operation back from the
 * outcome of {@link #save} and {@link #saveIntent}, so a store must never leave it unsure:
 * <ul>
 *   <li>A call that <em>returns</em> has committed: every later {@link #load} or {@link #loadIntent},
 *       by this instance or any other (in this or another process), sees the change, and a crash keeps
 *       it. Work left after the commit point (applying a journal, removing temporary files) that fails
 *       is the store's to finish later, on its next access; it is logged, not thrown.</li>
 *   <li>A call that <em>throws</em> has committed nothing: every later load sees what was there
 *       before, on this same instance too (a store must drop any cached state the failed call may have
 *       touched). A store that meets an error at its commit point (say, the directory fsync after the
 *       commit rename) settles the outcome before it throws: it undoes the commit, or, if it cannot,
 *       treats the change as committed and returns.</li>
 * </ul>
 * I/O errors are thrown as {@link io.github.xlsnap.core.XlsnapIOException} naming the file and the
 * operation; unusable stored data as a subclass of {@link io.github.xlsnap.core.XlsnapException} naming
 * the file.
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
   * Replaces a domain's metadata atomically. Saving metadata that {@linkplain DomainMetadata#isEmpty is
   * empty} (no snapshots, no owned images, no deferred clean-ups) removes the domain from the store.
   * Every component is kept, {@link DomainMetadata#deferredCleanups()} included. Returns once committed; throws only if nothing was committed
   * (see the class description).
   *
   * @param metadata the new metadata
   * @throws io.github.xlsnap.core.XlsnapException if nothing was committed
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
   * ends; {@link #load}, {@link #save} and the intent calls are made while it is held, by the same
   * thread. The lease excludes only other leases: {@link #load} by a thread that holds no lease (a
   * listing) must not wait for a lease to be closed, only for a commit in progress, and sees the last
   * committed metadata. The default holds nothing, which suffices for a store used by one process.
   *
   * @param domain the domain's UUID
   * @param timeout how long to wait for a lease held elsewhere; zero to try once
   * @return the held lease; closing it releases the domain
   * @throws io.github.xlsnap.core.DomainBusyException if the timeout passed first
   * @throws io.github.xlsnap.core.OperationCancelledException if the thread was interrupted while
   *     waiting (its interrupt status set again)
   */
  default Lease lockDomain(UUID domain, java.time.Duration timeout) {
    return Lease.NONE;
  }

  /**
   * Names the host that recorded the domain's pending intent, when that is another host than this
   * store's: a store shared by several hosts (a pool) says so, because the recovery of an interrupted
   * operation needs the hypervisor the domain ran on (libxl is per host; from here a domain that runs
   * there looks gone, and its images unused). The manager then refuses to recover it, naming the host,
   * and skips it in {@link io.github.xlsnap.core.SnapshotManager#recoverAll}. The default, for a store
   * of one host, is empty.
   *
   * @param domain the domain's UUID
   * @return the other host, empty if there is no pending intent or this host recorded it
   */
  default java.util.Optional<String> foreignIntentHost(UUID domain) {
    return java.util.Optional.empty();
  }

  /**
   * Tells whether this store is pool-wide: every host of a pool that opens it sees the same metadata,
   * keyed by the domain's UUID, so a domain's snapshots follow it when it moves to another host. The
   * manager allows a domain with snapshots to migrate only with such a store (and its files on shared
   * storage: {@link io.github.xlsnap.core.SnapshotManager#checkMigration}). The default, for a store
   * of one host, is false.
   *
   * @return whether every host of the pool shares this store's metadata
   */
  default boolean isPoolWide() {
    return false;
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
