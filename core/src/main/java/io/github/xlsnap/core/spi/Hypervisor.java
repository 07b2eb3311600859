package io.github.xlsnap.core.spi;

import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainNotFoundException;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.HypervisorException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The primitives xlsnap needs from a Xen host, and nothing more: no snapshot semantics live here.
 * Trees, ordering and rollback are {@link io.github.xlsnap.core.SnapshotManager}'s; a backend only
 * does what each method says, or throws.
 *
 * <p>Implementations: {@link io.github.xlsnap.core.sim.SimulatedHypervisor} (a simulated host kept
 * in a directory, for tests and demos) and {@code io.github.xlsnap.libxl.LibxlHypervisor}
 * (libxenlight). Every implementation
 * must pass the contract test suite {@code io.github.xlsnap.core.spi.HypervisorContract} in the
 * {@code xlsnap-core} test-jar.
 *
 * <p><b>Identity.</b> Methods taking a {@link DomainRef} act on its domid and must check that the
 * domain there still has the ref's UUID; otherwise they throw {@link DomainNotFoundException}.
 *
 * <p><b>Errors.</b> A failed primitive throws {@link HypervisorException} (or a subclass of
 * {@link io.github.xlsnap.core.XlsnapException}) and leaves the domain as it was, unless the method
 * says otherwise.
 *
 * <p><b>Threads and ownership.</b> Implementations must be safe for use by several threads; calls
 * on one domain are serialized by the caller. The caller that opened a hypervisor owns it and closes
 * it; {@link #close()} is idempotent, and the objects it returned stay valid after it.
 */
public interface Hypervisor extends AutoCloseable {

  /**
   * Returns the backend's name, e.g. {@code sim} or {@code libxl}.
   *
   * @return the name
   */
  String backendName();

  /**
   * Lists every domain on the host, dom0 included, by domid.
   *
   * @return the domains
   */
  List<DomainInfo> listDomains();

  /**
   * Looks a domain up.
   *
   * @param selector its name, UUID or domid
   * @return the domain, empty if none matches
   */
  Optional<DomainInfo> find(DomainSelector selector);

  /**
   * Reports a domain's present state.
   *
   * @param domain the domain
   * @return its info
   * @throws DomainNotFoundException if it no longer exists
   */
  DomainInfo info(DomainRef domain);

  /**
   * Lists a domain's disks, in the order of its configuration.
   *
   * @param domain the domain
   * @return the disks
   */
  List<DomainDisk> disks(DomainRef domain);

  /**
   * Pauses a running domain; pausing a paused domain does nothing.
   *
   * @param domain the domain
   */
  void pause(DomainRef domain);

  /**
   * Unpauses a paused domain; unpausing a running domain does nothing.
   *
   * @param domain the domain
   */
  void unpause(DomainRef domain);

  /**
   * Tells how a domain's configuration differs from an earlier one of the same domain, in what a
   * restore from the earlier one would change (memory, vCPUs, devices...), ignoring the disks' image
   * paths, which snapshots change on purpose, and identity the backend assigns (domid). A revert treats
   * each difference as a risk that needs force, since it restores the domain with the snapshot's.
   *
   * <p>The default compares the texts whole: any difference is one change. Backends whose
   * configuration names images should override it.
   *
   * @param then the earlier configuration (a snapshot's)
   * @param now the present one
   * @return one line per difference, empty if none
   */
  default List<String> configurationChanges(DomainConfiguration then, DomainConfiguration now) {
    if (!then.backend().equals(now.backend())) {
      return List.of("it was made by backend " + then.backend() + ", now by " + now.backend());
    }
    return then.content().equals(now.content()) ? List.of() : List.of("the configuration text differs");
  }

  /**
   * Saves a domain's memory to a file and leaves the domain suspended (shut down with reason
   * suspend), so that its disks can be snapshotted at the same instant; {@link #resume} or
   * {@link #destroy} follows. On failure the domain is left as it was, not suspended.
   *
   * <p>When it returns, the image is durable: wholly written and forced to stable storage
   * ({@code fsync}), so that a power loss after the manager has committed metadata naming it cannot
   * leave a truncated image behind. (The manager forces it again before that commit, which costs
   * little once the backend has.)
   *
   * <p>The paused flag is independent of suspension: a domain that was paused is paused again after
   * {@link #resume}.
   *
   * @param domain a running or paused domain
   * @param memoryImage an existing, empty file, which the backend overwrites; its permissions are kept
   * @param mode stopped for the whole save, or live
   * @return what the save did
   */
  CheckpointResult checkpoint(DomainRef domain, Path memoryImage, CheckpointMode mode);

  /**
   * Resumes a domain suspended by {@link #checkpoint}: it runs again (or stays paused if it was).
   *
   * @param domain the suspended domain
   */
  void resume(DomainRef domain);

  /**
   * Snapshots disks of a paused or suspended domain, all or none: internal snapshots of the images the
   * disks use now, and external overlays that the domain uses from then on. On failure, the requests
   * already carried out are undone before the exception is thrown.
   *
   * @param domain the domain, paused or suspended
   * @param requests one per disk, each disk at most once
   */
  void snapshotDisks(DomainRef domain, List<DiskSnapshotRequest> requests);

  /**
   * Undoes a successful {@link #snapshotDisks} while the domain has not run since: deletes the
   * internal snapshots, and makes each disk with an overlay use the overlay's backing image again and
   * deletes the overlay.
   *
   * @param domain the domain, still paused or suspended
   * @param requests the requests that were carried out
   */
  void discardDiskSnapshots(DomainRef domain, List<DiskSnapshotRequest> requests);

  /**
   * Deletes an internal snapshot from an image that the domain's device model holds (see
   * {@link DomainDisk#heldByDeviceModel()}). Images nobody holds are changed with {@code qemu-img}
   * instead.
   *
   * @param domain the running domain
   * @param target the disk whose image holds the snapshot
   * @param tag the internal snapshot's tag
   */
  void deleteInternalDiskSnapshot(DomainRef domain, String target, String tag);

  /**
   * Returns what {@link #restore} needs to bring this domain back after {@link #destroy}.
   *
   * @param domain the domain
   * @return its configuration
   */
  DomainConfiguration configuration(DomainRef domain);

  /**
   * Creates a domain from a configuration, restoring a memory image or booting from its disks. The
   * domain must not exist (it was destroyed). On failure no domain is left behind.
   *
   * @param request what to restore
   * @return the new instance (same UUID and name, new domid)
   */
  DomainRef restore(RestoreRequest request);

  /**
   * Tells how far a {@link #restore} running on another thread has read its memory image, for
   * progress reports: xlsnap asks a few times a second while a restore from {@code memoryImage} runs.
   *
   * <p>It must not open a file descriptor, nor block on the restore: a restore's hypervisor may be
   * forking helper processes at that moment, and a descriptor opened without close-on-exec would leak
   * into them. A backend answers from what it already holds (the position of the descriptor it reads
   * through), or not at all.
   *
   * <p>The default knows nothing: progress reports then say 0 bytes until the restore ends.
   *
   * @param memoryImage the memory image, as given in the {@link RestoreRequest}
   * @return the bytes of it read so far, empty if no restore is reading it or the backend cannot tell
   */
  default OptionalLong restoreProgress(Path memoryImage) {
    return OptionalLong.empty();
  }

  /**
   * Destroys a domain at once, as {@code xl destroy}.
   *
   * @param domain the domain
   */
  void destroy(DomainRef domain);

  /**
   * Asks a domain to shut down, as {@code xl shutdown}; returns once the request is sent.
   *
   * @param domain the domain
   */
  void shutdown(DomainRef domain);

  /** Releases the backend's resources. Idempotent. */
  @Override
  void close();
}
