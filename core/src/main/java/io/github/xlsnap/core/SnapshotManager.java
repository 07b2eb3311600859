package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.internal.Intent;
import io.github.xlsnap.core.internal.PrivateFiles;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed design's {@code xl snapshot-*} commands as an API: {@link #create}, {@link #delete},
 * {@link #revert} and {@link #list}, plus {@link #info}, {@link #current}, {@link #tree} and the
 * guard on destroy, shutdown, save and migrate ({@link #checkGuard}).
 *
 * <p>The manager holds the snapshot semantics; the {@link Hypervisor} it is given only carries out
 * primitives and the {@link SnapshotStore} only keeps metadata. Disk images that no running process
 * holds are changed through {@link DiskImages} ({@code qemu-img} by default).
 *
 * <p><b>Atomicity.</b> Every operation either completes or is rolled back: disk snapshots, overlays
 * and memory images it made are removed, the domain is brought back to the state it had (never left
 * paused or suspended) and the metadata is unchanged. The one exception is a revert of a crashed or
 * shut-down domain that fails after its dead instance was destroyed: that instance cannot be brought
 * back, so the domain is gone, with its disks as they were (see {@link #revert}). A delete is atomic as seen through the
 * metadata: files that become garbage are removed after the metadata no longer names them, and a
 * failure to remove one is logged and reported in {@link DeleteResult#leftovers()}, never undone; clean-up
 * that a running device model keeps from being done is deferred (see {@link #delete}).
 *
 * <p><b>Threads.</b> Thread-safe. Operations on one domain are serialized in this JVM; operations
 * on different domains run in parallel. Each operation also holds the store's
 * {@linkplain SnapshotStore#lockDomain lease} of the domain, which serializes processes sharing a
 * store.
 *
 * <p><b>Ownership.</b> The manager does not own the hypervisor or the store: whoever built them
 * closes them.
 */
public final class SnapshotManager {
  private static final Logger LOG = LoggerFactory.getLogger(SnapshotManager.class);
  /** The default of {@link Builder#lockTimeout}. */
  static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofMinutes(15);

  private final Hypervisor hypervisor;
  private final SnapshotStore store;
  private final Duration lockTimeout;
  private final SharedStorage sharedStorage;
  private final ConcurrentMap<UUID, ReentrantLock> locks = new ConcurrentHashMap<>();
  private final CreateOperation creates;
  private final DeleteOperation deletes;
  private final RevertOperation reverts;
  private final TakeOverOperation takeOvers;
  private final OperationContext cx;

  private SnapshotManager(Builder b) {
    this.hypervisor = b.hypervisor;
    this.store = b.store;
    this.lockTimeout = b.lockTimeout;
    this.sharedStorage = b.sharedStorage;
    OperationContext cx = new OperationContext(b.hypervisor, b.store, b.images != null ? b.images : QemuImg.system(),
        b.clock, b.ids, b.progress, b.sync);
    this.creates = new CreateOperation(cx);
    this.deletes = new DeleteOperation(cx);
    this.reverts = new RevertOperation(cx);
    this.takeOvers = new TakeOverOperation(cx, deletes);
    this.cx = cx;
  }

  /**
   * Starts building a manager.
   *
   * @param hypervisor the host's backend
   * @param store where metadata lives
   * @return a builder
   */
  public static Builder builder(Hypervisor hypervisor, SnapshotStore store) {
    return new Builder(hypervisor, store);
  }

  /** Builds a {@link SnapshotManager}. Not thread-safe. */
  public static final class Builder {
    private final Hypervisor hypervisor;
    private final SnapshotStore store;
    private DiskImages images;
    private Clock clock = Clock.systemUTC();
    private Supplier<String> ids = Builder::randomId;
    private Optional<ProgressListener> progress = Optional.empty();
    private Duration lockTimeout = DEFAULT_LOCK_TIMEOUT;
    private OperationContext.FileSync sync = OperationContext::forceToDisk;
    private SharedStorage sharedStorage = SharedStorage.fromMounts();

    private Builder(Hypervisor hypervisor, SnapshotStore store) {
      this.hypervisor = requireNonNull(hypervisor, "hypervisor");
      this.store = requireNonNull(store, "store");
    }

    /**
     * Sets the disk image tool; default {@link QemuImg#system()}.
     *
     * @param value the tool
     * @return this builder
     */
    public Builder diskImages(DiskImages value) {
      images = requireNonNull(value, "diskImages");
      return this;
    }

    /**
     * Sets the clock that stamps creation times and default names; default UTC system clock.
     *
     * @param value the clock
     * @return this builder
     */
    public Builder clock(Clock value) {
      clock = requireNonNull(value, "clock");
      return this;
    }

    /**
     * Sets who hears the progress of long steps (memory images saved and restored, disk images merged
     * and copied); default: nobody.
     *
     * @param value the listener
     * @return this builder
     */
    public Builder progressListener(ProgressListener value) {
      progress = Optional.of(requireNonNull(value, "progressListener"));
      return this;
    }

    /**
     * Sets how long an operation waits for a domain that another operation holds (in this process or,
     * through the store's lease, in another) before it gives up with {@link DomainBusyException};
     * default 15 minutes, long enough for another operation's memory checkpoint of a large guest.
     * Reads ({@link SnapshotManager#list}, {@link SnapshotManager#info}, {@link SnapshotManager#current},
     * {@link SnapshotManager#tree}) never wait for an operation.
     *
     * @param value the timeout; zero to try once
     * @return this builder
     */
    public Builder lockTimeout(Duration value) {
      requireNonNull(value, "lockTimeout");
      checkArgument(!value.isNegative(), "lock timeout %s is negative", value);
      lockTimeout = value;
      return this;
    }

    /**
     * Sets what counts as shared storage when the manager decides whether a domain with snapshots may
     * migrate ({@link SnapshotManager#checkMigration}); default {@link SharedStorage#fromMounts()}, which
     * knows network and cluster file systems but not shared block devices: declare those with
     * {@link SharedStorage#declaring}.
     *
     * @param value the policy
     * @return this builder
     */
    public Builder sharedStorage(SharedStorage value) {
      sharedStorage = requireNonNull(value, "sharedStorage");
      return this;
    }

    /** For tests: what forces a memory image to disk before the metadata names it. */
    Builder fileSync(OperationContext.FileSync value) {
      sync = requireNonNull(value, "fileSync");
      return this;
    }

    /** For tests: a source of the ids that name internal snapshot tags and new files. */
    Builder ids(Supplier<String> value) {
      ids = requireNonNull(value, "ids");
      return this;
    }

    /**
     * Builds the manager.
     *
     * @return the manager
     */
    public SnapshotManager build() {
      return new SnapshotManager(this);
    }

    private static final SecureRandom RANDOM = new SecureRandom();

    private static String randomId() {
      byte[] b = new byte[6];
      RANDOM.nextBytes(b);
      return HexFormat.of().formatHex(b);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // create

  /**
   * Takes a snapshot of a domain's memory and disks ({@code xl snapshot-create}).
   *
   * <p>The domain is stopped while its memory is saved (or, with {@code live}, only for the last
   * round), its disks are snapshotted while it is suspended, so memory and disks come from one
   * instant, and it then runs again (or stays paused if it was). The new snapshot's parent is the
   * current snapshot, and it becomes current. The memory image is created with mode 0600.
   *
   * @param domain the domain, running or paused
   * @param spec what to take; see {@link CreateSpec} for the defaults
   * @return the new snapshot
   * @throws DomainNotFoundException if no domain matches
   * @throws DomainStateException if the domain is not running or paused
   * @throws SnapshotExistsException if the name is taken
   * @throws InvalidSnapshotSpecException if the spec is invalid for this domain
   */
  public Snapshot create(DomainSelector domain, CreateSpec spec) {
    requireNonNull(spec, "spec");
    return withDomain(domain, info -> creates.run(info, spec));
  }

  // ---------------------------------------------------------------------------------------------
  // delete

  /**
   * Deletes snapshots ({@code xl snapshot-delete}).
   *
   * <p>{@link DeleteMode#MERGE} deletes only this snapshot: its children take its parent as theirs, and
   * its disk data is merged so that every remaining snapshot still reverts to exactly its own state
   * (an internal qcow2 snapshot is simply removed; an overlay that no snapshot needs any longer is
   * merged into the images built on it with {@code qemu-img rebase} and removed).
   * {@link DeleteMode#CHILDREN} deletes it and all its descendants, leaves first;
   * {@link DeleteMode#CHILDREN_ONLY} only the descendants. If the current snapshot is deleted, its
   * nearest surviving ancestor becomes current.
   *
   * <p>The domain may be running. If it no longer exists, give it by UUID: its metadata and files are
   * still cleaned up.
   *
   * <p><b>Images a device model holds.</b> While a domain exists, in any state, its device model (QEMU)
   * holds every image of its disks' backing chains open and locked ({@link
   * io.github.xlsnap.core.spi.DomainDisk#heldByDeviceModel()}); {@code qemu-img} must not, and cannot,
   * change them. So a delete of a snapshot of such a domain changes them only through the hypervisor,
   * and defers what the hypervisor cannot do; the delete commits all the same, and
   * {@link DeleteResult#deferred()} (and {@link DeleteResult#leftovers()}) says what waits:
   * <ul>
   *   <li>an internal snapshot in the image a disk writes is removed by the device model
   *       ({@link Hypervisor#deleteInternalDiskSnapshot});</li>
   *   <li>one in an image the device model holds read-only, a backing file, cannot be (QEMU removes
   *       internal snapshots only from an image it has open for writing): it is recorded in the domain's
   *       metadata with the commit, and removed by the next operation on the domain, or
   *       {@link #retryDeferredCleanups}, once no device model holds the image (the domain was destroyed);</li>
   *   <li>an overlay no snapshot needs any longer, that the image a disk runs on reads through, is not
   *       merged away: it stays in the disk's chain, owned by the domain, and a later delete or revert
   *       removes it once no disk runs on it (a revert gives the disks new images).</li>
   * </ul>
   * Merging into a running disk (QEMU's {@code block-stream}) is deliberately not done: it is a long
   * job on the guest's live disk, whose failure, cancellation and crash states would need their own
   * recording and recovery, to reclaim disk space that the next revert reclaims anyway, and it would
   * widen the {@link Hypervisor} SPI, which every backend must implement. A deferral costs disk space,
   * never a snapshot's contents.
   *
   * @param domain the domain
   * @param name the snapshot
   * @param mode what to delete
   * @return what was deleted, what could not be cleaned up, and what is deferred
   * @throws SnapshotNotFoundException if the domain has no such snapshot
   */
  public DeleteResult delete(DomainSelector domain, String name, DeleteMode mode) {
    requireNonNull(name, "name");
    requireNonNull(mode, "mode");
    Optional<DomainInfo> found = hypervisor.find(domain);
    if (found.isEmpty() && domain instanceof DomainSelector.ByUuid byUuid) {
      return withLock(byUuid.uuid(), domain.toString(), recovery -> deletes.run(Optional.empty(), byUuid.uuid(), domain.toString(), name, mode));
    }
    return withDomain(domain, info -> deletes.run(Optional.of(info), info.ref().uuid(), info.ref().name(), name, mode));
  }

  /**
   * Retries the clean-up earlier deletes deferred ({@link DeleteResult#deferred()}): the internal
   * snapshots recorded in the domain's metadata are removed where no device model holds their image
   * read-only any longer. Every operation on the domain does this first (after {@link #recover}), so
   * calling it is only needed for a domain no one operates on, say after it was destroyed. Deferred
   * merges are not recorded: the images stay owned by the domain, and a later delete or revert merges
   * or removes them once no disk runs on them.
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @return the internal snapshots still deferred, empty when all are done
   */
  public List<DeferredCleanup> retryDeferredCleanups(DomainSelector domain) {
    UUID uuid = uuidOf(domain);
    return withLock(uuid, domain.toString(), recovery -> deletes.retryDeferred(uuid, new ArrayList<>()));
  }

  // ---------------------------------------------------------------------------------------------
  // revert

  /**
   * Returns a domain to a snapshot's state ({@code xl snapshot-revert}): the domain's present instance
   * is replaced by one restored from the snapshot's memory image and disks, running or paused as
   * {@link RevertOptions#target()} says. The snapshot becomes current. Everything since the snapshot is
   * lost, as intended; but if the revert of a running or paused domain fails, the domain is brought
   * back exactly as it was (a rollback memory image of the present instance is saved first for that
   * purpose).
   *
   * <p>Disks are never changed in a way that another snapshot could notice: an internal snapshot is
   * applied in place only to an image no other snapshot or image depends on, else its state is copied
   * into a new image; an external snapshot gets a new overlay over its frozen image.
   *
   * <p><b>Risky reverts</b> need {@link RevertOptions#force()}: a snapshot without memory (the domain
   * boots from the snapshot's disks, as after a power cut); a memory image that is missing (with force:
   * boot from disks) or changed since the snapshot; a disk the snapshot did not capture, or that the
   * domain gained or lost since (it keeps its present contents); a frozen disk image changed since the
   * snapshot. A snapshot whose disk data is gone cannot be reverted to even with force.
   *
   * <p><b>A crashed or shut-down domain</b> (kept by {@code on_crash="preserve"},
   * {@code on_poweroff="preserve"} and the like: shut down for any reason but suspend, not dying) is
   * reverted too, the usual way back after a crash. Its instance no longer runs, so there is nothing to
   * save: no rollback memory image is written; the dead instance is destroyed (its memory, a crash's
   * core, is discarded: take {@code xl dump-core} first to keep it), the snapshot's disks are applied
   * and the domain is restored from the snapshot, with the configuration libxl kept for the dead
   * instance. This needs no {@link RevertOptions#force()} of its own: force is for reverts whose
   * result may not be the snapshot's state, and here nothing that runs is lost that a successful revert
   * of a running domain would keep. The risks above still need force. A failure after the dead instance
   * was destroyed cannot bring it back (a crashed instance cannot be restored): what the revert created
   * is removed, each disk image is put back as it was (a disk the snapshot changes in place gets a
   * rollback internal snapshot first, taken once the instance is gone, and applied back), and the
   * exception, an {@link InstanceLostException} caused by the failure, says that the instance was destroyed
   * and not brought back and that its disks are as they were; the domain is then gone from the host,
   * to be created again from its configuration file, or reverted again as below.
   *
   * <p><b>A domain that no longer exists on the host</b>, named by its UUID (destroyed by such a failed
   * revert, or by an operator with the guard overridden), is reverted from the configuration the
   * snapshot kept ({@link Snapshot#configuration()}): a new instance is restored from the snapshot's
   * memory image and disks. Nothing is changed in place: every captured disk gets a new image, so a
   * failure leaves every image as it was. A snapshot without a kept configuration cannot be reverted to
   * this way ({@link DomainNotFoundException}: create the domain, then revert); a disk the snapshot did
   * not capture is restored with the image the configuration names, a risk that needs force.
   *
   * @param domain the domain: running, paused, or crashed or shut down and preserved; or, by UUID, one
   *     that no longer exists on the host but has snapshots
   * @param name the snapshot
   * @param options the state to leave the domain in, and force
   * @return the domain's new instance
   * @throws DomainNotFoundException if no domain matches, or if a domain that no longer exists has
   *     the snapshot, which kept no configuration
   * @throws DomainStateException if the domain is Domain-0, is dying, or is suspended (its memory
   *     saved by a checkpoint or {@code xl save}, waiting to be resumed or destroyed)
   * @throws SnapshotNotFoundException if the domain has no such snapshot
   * @throws RiskyRevertException if the revert is risky and force is not set
   * @throws SnapshotDamagedException if the snapshot's disk data is gone
   * @throws InstanceLostException if a revert of a crashed or shut-down domain failed after its instance
   *     was destroyed (see above); other failures throw what failed, with the domain as it was
   */
  public DomainRef revert(DomainSelector domain, String name, RevertOptions options) {
    requireNonNull(name, "name");
    requireNonNull(options, "options");
    requireNonNull(domain, "domain");
    if (domain instanceof DomainSelector.ByUuid byUuid && hypervisor.find(domain).isEmpty()
        && !store.load(byUuid.uuid()).isEmpty()) {
      UUID uuid = byUuid.uuid();
      return withLock(uuid, domain.toString(), recovery -> {
        // recovery may have brought an instance back
        Optional<DomainInfo> info = hypervisor.find(domain);
        return info.isPresent()
            ? reverts.run(info.get(), name, options)
            : reverts.runGone(uuid, domain.toString(), name, options);
      });
    }
    return withDomain(domain, info -> reverts.run(info, name, options));
  }

  // ---------------------------------------------------------------------------------------------
  // crash recovery

  /**
   * Finishes or undoes an operation on a domain that a crash interrupted (the process was killed
   * in the middle of a create, delete or revert). Every operation records its intent in the store
   * before it touches the domain; this reads that record and, depending on how far the operation
   * got, completes it (the metadata already committed it) or undoes it: the domain is resumed if it
   * was left suspended or paused, an instance destroyed by a revert is restored from its rollback
   * image, and partial memory images, overlays and disk snapshots are removed.
   *
   * <p>Every operation on a domain does this first, so calling it is only needed to recover domains
   * no one operates on: call {@link #recoverAll()} when an application starts.
   *
   * @param domain the domain's UUID
   * @return what was done, empty if no operation was interrupted
   * @throws RecoveryFailedException if the record cannot be read or the operation can be neither
   *     finished nor undone; every operation on the domain then fails the same way until the cause is
   *     put right or the record is given up with {@link #abandon}
   */
  public Optional<Recovery> recover(UUID domain) {
    requireNonNull(domain, "domain");
    return withLock(domain, domain.toString(), recovery -> recovery);
  }

  /**
   * Gives up the record of an interrupted operation without finishing or undoing it: the way out when
   * {@link #recover} keeps failing ({@link RecoveryFailedException}) and an operator has decided what to
   * do by hand. Nothing else changes: the domain is left in whatever state it is (resume or destroy it
   * yourself), and every file the record names (memory images, overlays, a rollback memory image) is
   * kept, for the operator to restore from or delete; the store's check reports files no snapshot
   * names. Logged at WARN with the record.
   *
   * @param domain the domain's UUID
   * @return the record given up, verbatim; empty if none was pending
   */
  public Optional<String> abandon(UUID domain) {
    requireNonNull(domain, "domain");
    ReentrantLock lock = locks.computeIfAbsent(domain, u -> new ReentrantLock());
    acquire(lock, domain.toString());
    try {
      try (SnapshotStore.Lease lease = store.lockDomain(domain, lockTimeout)) {
        Optional<String> record = store.loadIntent(domain);
        if (record.isPresent()) {
          store.saveIntent(domain, Optional.empty());
          LOG.warn("abandoned the record of an interrupted operation on domain {}, nothing else changed:\n{}", domain,
              record.get());
        }
        return record;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Takes over the interrupted operation that another host of a pool recorded for a domain, when that
   * host is down for good: the way out of the {@link RecoveryFailedException} that names it (a pool-wide
   * store, see {@link SnapshotStore#foreignIntentHost}). Only that host's hypervisor saw the domain, so
   * nothing of the domain is resumed, restored or switched back from here; what this host does is the
   * metadata and the files, and it deletes nothing a domain may have written to or that is the only
   * copy of a state:
   *
   * <ul>
   *   <li>a create that committed is complete; one that did not leaves no snapshot: its memory image is
   *       removed, its overlays are kept where they are (the domain was switched onto them, and may have
   *       run on them) and reported;
   *   <li>a delete is finished as this host's recovery would (committed: its clean-up; not: nothing
   *       changes but the stamps of the images it rebased), images with data of their own quarantined;
   *   <li>a revert that committed is complete and its rollback memory image removed; one that did not
   *       leaves the metadata as it was and keeps, reported, the rollback memory image (the replaced
   *       instance's state) and every image the revert made.
   * </ul>
   *
   * <p>Call it only once the other host is known to be down (fenced, powered off): if it is alive, the
   * next xlsnap operation there recovers the operation properly. Taking over fences it: the lease taken
   * here raises the domain's epoch, so a late commit from that host fails.
   *
   * @param domain the domain's UUID
   * @param deadHost the host the caller knows is down, as the store names it; must be the host that
   *     recorded the operation
   * @return what was done; empty if no operation is pending
   * @throws IllegalArgumentException if the pending operation was recorded by another host than
   *     {@code deadHost}, or by this one (then {@link #recover} is the way)
   * @throws RecoveryFailedException if the record cannot be read or the take-over fails
   */
  public Optional<Recovery> takeOver(UUID domain, String deadHost) {
    requireNonNull(domain, "domain");
    requireNonNull(deadHost, "deadHost");
    ReentrantLock lock = locks.computeIfAbsent(domain, u -> new ReentrantLock());
    acquire(lock, domain.toString());
    try {
      try (SnapshotStore.Lease lease = store.lockDomain(domain, lockTimeout)) {
        Optional<String> text = store.loadIntent(domain);
        if (text.isEmpty()) {
          return Optional.empty();
        }
        Optional<String> foreign = store.foreignIntentHost(domain);
        if (!foreign.equals(Optional.of(deadHost))) {
          throw new IllegalArgumentException("the interrupted operation on domain " + domain + " was recorded by "
              + foreign.map(h -> "host " + h).orElse("this host, whose recovery finishes or undoes it (recover)")
              + ", not by host " + deadHost);
        }
        Intent intent;
        try {
          intent = Intent.decode(text.get());
        } catch (XlsnapException e) {
          throw new RecoveryFailedException(domain, "operation (its record is unreadable)", text.get(), e);
        }
        List<String> actions = new ArrayList<>();
        boolean completed;
        try {
          completed = takeOvers.takeOver(domain, intent, deadHost, hypervisor.find(new DomainSelector.ByUuid(domain)),
              actions);
        } catch (OperationCancelledException | DomainBusyException e) {
          throw e;
        } catch (RuntimeException e) {
          throw new RecoveryFailedException(domain, intent.operation() + " of snapshot '" + intent.snapshot()
              + "' (taken over from host " + deadHost + ")", text.get(), e);
        }
        store.saveIntent(domain, Optional.empty());
        Recovery r = new Recovery(domain, intent.operation(), intent.snapshot(), completed, actions);
        LOG.warn("took over the interrupted {} of snapshot '{}' of domain {} from host {}: {} ({})", r.operation(),
            r.snapshot(), domain, deadHost, completed ? "completed" : "undone", String.join("; ", actions));
        return Optional.of(r);
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Recovers every domain of the store that has an interrupted operation (see {@link #recover}). A
   * domain whose recovery fails ({@link RecoveryFailedException}) is logged at ERROR and skipped: the
   * others are still recovered, and every operation on it fails with that exception until it is put
   * right or {@linkplain #abandon abandoned}. A domain without one that has deferred clean-ups gets
   * them retried ({@link #retryDeferredCleanups}), as every operation does first: an earlier retry
   * killed after it removed an internal snapshot but before it recorded the image's new stamp left no
   * operation record, and this records the stamp; a failure is logged, not thrown.
   *
   * @return what was done, one entry per recovered domain
   */
  public List<Recovery> recoverAll() {
    List<Recovery> out = new ArrayList<>();
    for (UUID d : store.domains()) {
      Optional<String> foreign = store.foreignIntentHost(d);
      if (foreign.isPresent()) {
        // neither waited for nor recovered here: the host the domain ran on does it (see recover)
        LOG.info("domain {}: its interrupted operation was recorded by host {}, which recovers it", d, foreign.get());
        continue;
      }
      if (store.loadIntent(d).isPresent()) {
        try {
          recover(d).ifPresent(out::add);
        } catch (RecoveryFailedException e) {
          // one domain's failure must not hold the others: it stays held, and says so on every operation
          LOG.error("{}", e.getMessage());
          LOG.debug("recovery of domain {} failed", d, e);
        }
      } else if (!store.load(d).deferredCleanups().isEmpty()) {
        // Deferred clean-ups run outside any operation record, before each operation: one killed between
        // removing an internal snapshot and recording its image's new stamp left no record, and only the
        // next retry records that stamp. Do it now, as recovery of the domain would.
        try {
          retryDeferredCleanups(new DomainSelector.ByUuid(d));
        } catch (OperationCancelledException e) {
          throw e;
        } catch (RuntimeException e) {
          LOG.warn("domain {}: could not retry the clean-up deferred by earlier deletes: {}", d, e.getMessage());
          LOG.debug("retry of the deferred clean-up of domain {} failed", d, e);
        }
      }
    }
    return List.copyOf(out);
  }

  /** Finishes or undoes what the domain's operation record says was interrupted; under the domain's lock. */
  private Optional<Recovery> recoverLocked(UUID uuid) {
    Optional<String> text = store.loadIntent(uuid);
    if (text.isEmpty()) {
      return Optional.empty();
    }
    Optional<String> foreign = store.foreignIntentHost(uuid);
    if (foreign.isPresent()) {
      throw new RecoveryFailedException(uuid, "operation", text.get(), new XlsnapException("it was recorded by host "
          + foreign.get() + ", where the domain ran; only that host's hypervisor sees the domain (from here it "
          + "looks gone, its images unused), so the next xlsnap operation there recovers it; if that host is down "
          + "for good, take the operation over (takeOver, snapshot-check --take-over " + foreign.get() + ")"));
    }
    Intent intent;
    try {
      intent = Intent.decode(text.get());
    } catch (XlsnapException e) {
      throw new RecoveryFailedException(uuid, "operation (its record is unreadable)", text.get(), e);
    }
    List<String> actions = new ArrayList<>();
    boolean completed;
    try {
      Optional<DomainInfo> domain = hypervisor.find(new DomainSelector.ByUuid(uuid));
      if (intent instanceof Intent.Create c) {
        completed = creates.recover(uuid, c, domain, actions);
      } else if (intent instanceof Intent.Delete d) {
        completed = deletes.recover(uuid, d, domain, actions);
      } else {
        completed = reverts.recover(uuid, (Intent.Revert) intent, domain, actions);
      }
    } catch (OperationCancelledException | DomainBusyException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new RecoveryFailedException(uuid, intent.operation() + " of snapshot '" + intent.snapshot() + "'",
          text.get(), e);
    }
    store.saveIntent(uuid, Optional.empty());
    Recovery r = new Recovery(uuid, intent.operation(), intent.snapshot(), completed, actions);
    LOG.warn("recovered an interrupted {} of snapshot '{}' of domain {}: {} ({})", r.operation(), r.snapshot(), uuid,
        completed ? "completed" : "undone", String.join("; ", actions));
    return Optional.of(r);
  }

  // ---------------------------------------------------------------------------------------------
  // read

  /**
   * Lists a domain's snapshots ({@code xl snapshot-list}).
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @param query the filters and order
   * @return the matching snapshots
   * @throws SnapshotNotFoundException if {@link ListQuery#from()} names no snapshot
   */
  public List<Snapshot> list(DomainSelector domain, ListQuery query) {
    requireNonNull(query, "query");
    SnapshotTree tree = tree(domain);
    List<Snapshot> all = tree.snapshots();
    Set<String> scope = null;
    if (query.from().isPresent()) {
      String from = query.from().get();
      if (!tree.contains(from)) {
        throw new SnapshotNotFoundException(domain.toString(), from);
      }
      scope = Set.copyOf(query.descendants() ? tree.descendants(from) : tree.children(from));
    }
    List<Snapshot> out = new ArrayList<>();
    for (Snapshot s : all) {
      if ((scope != null && !scope.contains(s.name()))
          || ((query.internal() || query.external())
              && !((query.internal() && s.isInternal()) || (query.external() && s.isExternal())))
          || (query.roots() && s.parent().isPresent())
          || ((query.leaves() || query.noLeaves())
              && !((query.leaves() && s.children().isEmpty()) || (query.noLeaves() && !s.children().isEmpty())))) {
        continue;
      }
      out.add(s);
    }
    if (!query.topological()) {
      out.sort(Comparator.comparing(Snapshot::createTime).thenComparing(Snapshot::name));
    }
    return List.copyOf(out);
  }

  /**
   * Returns a domain's snapshots as a tree ({@code xl snapshot-list --tree}).
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @return the tree
   */
  public SnapshotTree tree(DomainSelector domain) {
    return store.load(uuidOf(domain)).tree();
  }

  /**
   * Returns one snapshot.
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @param name the snapshot
   * @return the snapshot
   * @throws SnapshotNotFoundException if the domain has no such snapshot
   */
  public Snapshot info(DomainSelector domain, String name) {
    requireNonNull(name, "name");
    return tree(domain).find(name).orElseThrow(() -> new SnapshotNotFoundException(domain.toString(), name));
  }

  /**
   * Returns the current snapshot: the one last taken or reverted to.
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @return the current snapshot, empty if there is none
   */
  public Optional<Snapshot> current(DomainSelector domain) {
    SnapshotTree tree = tree(domain);
    return tree.current().flatMap(tree::find);
  }

  // ---------------------------------------------------------------------------------------------
  // export and import

  /**
   * Exports a domain's snapshot metadata, to be imported on another host ({@link #importMetadata}): the
   * way to move snapshots with a domain when the store is per host, as libvirt's {@code --redefine}.
   * Taken under the domain's lock, after an interrupted operation is recovered, so it is a committed
   * state. Nothing is changed.
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @return its metadata and its name (its UUID's text if it no longer exists)
   * @throws DomainNotFoundException if no domain matches
   */
  public ExportedMetadata exportMetadata(DomainSelector domain) {
    requireNonNull(domain, "domain");
    Optional<DomainInfo> found = hypervisor.find(domain);
    UUID uuid = found.map(i -> i.ref().uuid()).orElseGet(() -> uuidOf(domain));
    String name = found.map(i -> i.ref().name()).orElse(uuid.toString());
    return withLock(uuid, domain.toString(), recovery -> new ExportedMetadata(name, store.load(uuid)));
  }

  /**
   * Imports exported snapshot metadata for a domain of this host ({@code virsh snapshot-create
   * --redefine}, for a whole tree): after it, the domain lists, reverts and deletes the snapshots as if
   * they had been taken here. Only metadata is written, in one {@link SnapshotStore#save} (all of it or
   * nothing); no image, memory image or overlay is created, changed or deleted.
   *
   * <p>It is refused ({@link ImportRefusedException}), writing nothing, when:
   * <ul>
   *   <li>the metadata was exported from a domain of another UUID, unless
   *       {@link ImportOptions#otherDomain()} (a domain created again here under a new UUID: the metadata
   *       is then keyed by the target's UUID);</li>
   *   <li>the target already has snapshot metadata here, unless {@link ImportOptions#replace()};</li>
   *   <li>any file it names is missing here: every memory image, disk image, overlay and owned image
   *       must exist at the path it names (shared storage, or copied to the same path), and every
   *       internal snapshot must exist in its qcow2 image ({@code qemu-img info}). All missing items are
   *       listed, not only the first.</li>
   * </ul>
   * Memory images and frozen images copied from another host have new stamps: a revert to them is then
   * risky ({@link RiskyRevertException}, "changed since") and needs force, as it should, because
   * xlsnap cannot tell a faithful copy from a changed file.
   *
   * @param domain the target: a domain of this host, or by UUID one that is not (yet) on it
   * @param exported what {@link #exportMetadata} returned on the other host
   * @param options what to accept of a target that differs
   * @return the metadata saved
   * @throws DomainNotFoundException if no domain matches a name or domid
   * @throws ImportRefusedException if a check failed
   */
  public DomainMetadata importMetadata(DomainSelector domain, ExportedMetadata exported, ImportOptions options) {
    requireNonNull(domain, "domain");
    requireNonNull(exported, "exported");
    requireNonNull(options, "options");
    Optional<DomainInfo> found = hypervisor.find(domain);
    UUID uuid = found.map(i -> i.ref().uuid()).orElseGet(() -> uuidOf(domain));
    String name = found.map(i -> i.ref().name()).orElse(domain.toString());
    DomainMetadata in = exported.metadata();
    if (!in.domain().equals(uuid) && !options.otherDomain()) {
      throw new ImportRefusedException(name, ImportRefusedException.Reason.OTHER_DOMAIN, List.of("the metadata is of "
          + "domain " + exported.domainName() + " (" + in.domain() + "), not of " + name + " (" + uuid + ")"));
    }
    return withLock(uuid, domain.toString(), recovery -> {
      DomainMetadata existing = store.load(uuid);
      if (!existing.isEmpty() && !options.replace()) {
        List<String> what = new ArrayList<>();
        what.add(existing.snapshots().size() + " snapshot(s) " + existing.tree().topologicalOrder());
        if (!existing.ownedImages().isEmpty()) {
          what.add(existing.ownedImages().size() + " owned image(s)");
        }
        throw new ImportRefusedException(name, ImportRefusedException.Reason.TARGET_HAS_METADATA, what);
      }
      List<String> missing = missingFiles(in);
      if (!missing.isEmpty()) {
        throw new ImportRefusedException(name, ImportRefusedException.Reason.MISSING_FILES, missing);
      }
      DomainMetadata out = new DomainMetadata(uuid, in.snapshots(), in.current(), in.ownedImages(),
          in.deferredCleanups());
      store.save(out);
      LOG.info("imported {} snapshot(s) of domain {} ({}) for {} ({}){}", out.snapshots().size(),
          exported.domainName(), in.domain(), name, uuid, existing.isEmpty() ? ""
              : ", replacing its " + existing.snapshots().size() + " snapshot(s); their files are kept");
      return out;
    });
  }

  /**
   * Drops a domain's snapshot metadata from the store without touching a file (libvirt's
   * {@code snapshot-delete --metadata}, for all of a domain's snapshots): the last step of moving
   * snapshots to another host with {@link #exportMetadata} and {@link #importMetadata}, so that this
   * host's store no longer names files the other host now manages (a delete here would remove them).
   * Memory images, disk images and overlays stay where they are; images xlsnap created are no longer
   * owned here. Taken under the domain's lock, after an interrupted operation is recovered.
   *
   * @param domain the domain (by UUID if it no longer exists)
   * @return what was dropped, to import again if that was a mistake; its metadata is empty if there was none
   * @throws DomainNotFoundException if no domain matches
   */
  public ExportedMetadata forgetMetadata(DomainSelector domain) {
    requireNonNull(domain, "domain");
    Optional<DomainInfo> found = hypervisor.find(domain);
    UUID uuid = found.map(i -> i.ref().uuid()).orElseGet(() -> uuidOf(domain));
    String name = found.map(i -> i.ref().name()).orElse(uuid.toString());
    return withLock(uuid, domain.toString(), recovery -> {
      DomainMetadata dropped = store.load(uuid);
      if (!dropped.isEmpty()) {
        store.save(DomainMetadata.empty(uuid));
        LOG.info("forgot the snapshot metadata of domain {} ({} snapshot(s) {}); its files are kept", name,
            dropped.snapshots().size(), dropped.tree().topologicalOrder());
      }
      return new ExportedMetadata(name, dropped);
    });
  }

  /** Every file, and every internal snapshot in a qcow2 image, the metadata names and this host lacks. */
  private List<String> missingFiles(DomainMetadata metadata) {
    List<String> missing = new ArrayList<>();
    java.util.Map<Path, List<String>> tags = new java.util.HashMap<>();
    for (Snapshot s : metadata.tree().snapshots()) {
      String of = " of snapshot '" + s.name() + "'";
      s.memoryImage().filter(p -> !java.nio.file.Files.isRegularFile(p))
          .ifPresent(p -> missing.add("memory image " + p + of));
      for (DiskSnapshot d : s.disks()) {
        String disk = " (disk " + d.target() + ")" + of;
        Optional<Path> image = d.image().filter(java.nio.file.Files::exists);
        d.image().filter(p -> image.isEmpty()).ifPresent(p -> missing.add("disk image " + p + disk));
        d.overlay().filter(p -> !java.nio.file.Files.exists(p)).ifPresent(p -> missing.add("overlay " + p + disk));
        if (d.mode() == DiskSnapshotMode.INTERNAL && image.isPresent()) {
          Path p = image.get();
          List<String> inImage = tags.computeIfAbsent(p, i -> {
            try {
              return cx.images.info(i).internalSnapshots();
            } catch (RuntimeException e) {
              missing.add("image " + i + " cannot be read (" + e.getMessage() + ")");
              return List.of();
            }
          });
          if (!inImage.contains(d.tag().orElseThrow())) {
            missing.add("internal snapshot '" + d.tag().orElseThrow() + "' in image " + p + disk);
          }
        }
      }
    }
    metadata.ownedImages().stream().filter(p -> !java.nio.file.Files.exists(p)).sorted()
        .forEach(p -> missing.add("owned image " + p));
    return missing.stream().distinct().toList();
  }

  // ---------------------------------------------------------------------------------------------
  // guard

  /**
   * Refuses an operation on a domain that has snapshots: the seed design's rule that a domain's
   * snapshots are deleted before the domain is destroyed, shut down, saved or migrated. Call it
   * before saving or migrating a domain by other means. A migration is the exception, and is judged
   * by {@link #checkMigration}: allowed when the snapshots follow the domain to its new host.
   *
   * @param domain the domain
   * @param operation the operation about to be done
   * @throws DomainHasSnapshotsException listing the snapshots, if there are any (for a migration, a
   *     {@link MigrationRefusedException} saying why they would not follow the domain)
   */
  public void checkGuard(DomainSelector domain, GuardedOperation operation) {
    requireNonNull(operation, "operation");
    if (operation == GuardedOperation.MIGRATE) {
      checkMigration(domain);
      return;
    }
    SnapshotTree tree = tree(domain);
    if (!tree.isEmpty()) {
      throw new DomainHasSnapshotsException(domain.toString(), operation, tree.topologicalOrder());
    }
  }

  /**
   * Decides whether a domain may migrate to another host of the pool with its snapshots: call it before
   * migrating a domain by any means ({@code xl migrate}, a cloud manager's own live migration). A domain
   * without snapshots may always go. One with snapshots may go only if they follow it:
   * <ul>
   *   <li>the store is {@linkplain SnapshotStore#isPoolWide() pool-wide}, keyed by the domain's UUID
   *       (the PostgreSQL store), so the new host lists, reverts and deletes them; a per-host store (the
   *       JSON store) is refused: export the metadata and import it on the target instead (the
   *       {@code xlsnap snapshot-export} and {@code snapshot-import} commands); and</li>
   *   <li>every file they and the domain's present disks depend on is on shared storage, as the
   *       manager's {@link SharedStorage} policy judges it ({@link Builder#sharedStorage}): the memory
   *       images, every disk image, overlay and internal snapshot's image the snapshots name, the images
   *       the store records as owned, each present disk's image with its whole backing chain, and the
   *       store's {@linkplain SnapshotStore#dataDirectory data directory} of the domain.</li>
   * </ul>
   * Nothing is locked or changed: the answer holds for this moment. The guard is an advice to the
   * caller, which overrides it by not calling this.
   *
   * @param domain the domain, on this host
   * @return how each file was judged, all shared; empty if the domain has no snapshots
   * @throws DomainNotFoundException if no domain matches
   * @throws MigrationRefusedException if the domain has snapshots that would not follow it, saying why
   */
  public List<SharedStorage.Verdict> checkMigration(DomainSelector domain) {
    requireNonNull(domain, "domain");
    DomainRef ref = hypervisor.find(domain).orElseThrow(() -> new DomainNotFoundException(domain.toString())).ref();
    DomainMetadata metadata = store.load(ref.uuid());
    SnapshotTree tree = metadata.tree();
    if (tree.isEmpty()) {
      return List.of();
    }
    List<String> names = tree.topologicalOrder();
    if (!store.isPoolWide()) {
      throw new MigrationRefusedException(ref.name(), names, MigrationRefusedException.Reason.STORE_PER_HOST,
          "the snapshot store is per host (" + store.getClass().getSimpleName() + "): its metadata would stay "
              + "behind; export it (snapshot-export) and import it on the target (snapshot-import), or use a "
              + "pool-wide store", List.of());
    }
    java.util.Map<Path, String> files = new java.util.LinkedHashMap<>();
    files.put(store.dataDirectory(ref.uuid()), "data directory");
    for (Snapshot s : metadata.snapshots()) {
      s.memoryImage().ifPresent(p -> files.putIfAbsent(p, "memory image"));
      for (DiskSnapshot d : s.disks()) {
        d.image().ifPresent(p -> chain(p, "disk image", files));
        d.overlay().ifPresent(p -> chain(p, "overlay", files));
      }
    }
    metadata.ownedImages().forEach(p -> files.putIfAbsent(p, "owned image"));
    for (io.github.xlsnap.core.spi.DomainDisk d : hypervisor.disks(ref)) {
      d.image().ifPresent(p -> chain(p, "disk image", files));
    }
    List<SharedStorage.Verdict> verdicts = new ArrayList<>();
    List<String> local = new ArrayList<>();
    files.forEach((path, kind) -> {
      SharedStorage.Verdict v = sharedStorage.judge(path);
      verdicts.add(v);
      if (!v.shared()) {
        local.add(kind + " " + path + " is " + (v.reason().startsWith("local storage") ? "on " : "") + v.reason());
      }
    });
    if (!local.isEmpty()) {
      throw new MigrationRefusedException(ref.name(), names, MigrationRefusedException.Reason.LOCAL_STORAGE,
          String.join("; ", local) + " (every host must see it; declare shared storage detection cannot see with "
              + "SharedStorage.declaring)", local);
    }
    LOG.debug("domain {} may migrate: {}", ref, verdicts);
    return List.copyOf(verdicts);
  }

  /** Adds an image and, if it can be read, its backing chain. */
  private void chain(Path image, String kind, java.util.Map<Path, String> files) {
    files.putIfAbsent(image, kind);
    if (!java.nio.file.Files.exists(image)) {
      return; // judged by the directory it would be in
    }
    try {
      for (Path p : cx.images.backingChain(image)) {
        files.putIfAbsent(p, "backing file of " + image);
      }
    } catch (RuntimeException e) {
      LOG.debug("cannot read the backing chain of {}; judging the image alone", image, e);
    }
  }

  /**
   * Destroys a domain, as {@code xl destroy}, if it has no snapshots or the guard is overridden.
   *
   * @param domain the domain
   * @param guard {@link Guard#ENFORCE} to refuse a domain with snapshots
   * @throws DomainHasSnapshotsException if it has snapshots and the guard is enforced
   */
  public void destroyDomain(DomainSelector domain, Guard guard) {
    requireNonNull(guard, "guard");
    withDomain(domain, info -> {
      if (guard == Guard.ENFORCE) {
        refuseWithSnapshots(info.ref(), GuardedOperation.DESTROY);
      }
      hypervisor.destroy(info.ref());
      return null;
    });
  }

  /**
   * Shuts a domain down, as {@code xl shutdown}, if it has no snapshots or the guard is overridden.
   *
   * @param domain the domain
   * @param guard {@link Guard#ENFORCE} to refuse a domain with snapshots
   * @throws DomainHasSnapshotsException if it has snapshots and the guard is enforced
   */
  public void shutdownDomain(DomainSelector domain, Guard guard) {
    requireNonNull(guard, "guard");
    withDomain(domain, info -> {
      if (guard == Guard.ENFORCE) {
        refuseWithSnapshots(info.ref(), GuardedOperation.SHUTDOWN);
      }
      hypervisor.shutdown(info.ref());
      return null;
    });
  }

  /**
   * Saves a domain, as {@code xl save}: its memory is written to {@code file} (the backend's image,
   * which for libxl is what {@code xl restore} reads), made durable, and the domain is destroyed; if
   * it has no snapshots or the guard is overridden. A failure before the domain is destroyed resumes
   * it and removes the file.
   *
   * @param domain a running or paused domain
   * @param file the image to write; it must not exist (mode 0600)
   * @param guard {@link Guard#ENFORCE} to refuse a domain with snapshots
   * @throws DomainHasSnapshotsException if it has snapshots and the guard is enforced
   * @throws InvalidSnapshotSpecException if {@code file} exists
   */
  public void saveDomain(DomainSelector domain, Path file, Guard guard) {
    requireNonNull(file, "file");
    requireNonNull(guard, "guard");
    withDomain(domain, info -> {
      if (guard == Guard.ENFORCE) {
        refuseWithSnapshots(info.ref(), GuardedOperation.SAVE);
      }
      DomainRef ref = info.ref();
      OperationContext.createMemoryFile(file, "file");
      boolean saved = false;
      try {
        cx.checkpoint(ref, file, io.github.xlsnap.core.spi.CheckpointMode.STOPPED);
        saved = true;
        hypervisor.destroy(ref);
      } catch (RuntimeException | Error e) {
        boolean interrupted = Thread.interrupted(); // a cancelled save is undone in full
        try {
          if (!saved) {
            PrivateFiles.deleteIfExists(file);
          } else {
            try {
              hypervisor.resume(ref);
              PrivateFiles.deleteIfExists(file);
            } catch (RuntimeException r) {
              e.addSuppressed(r); // the image stays: it holds the domain's memory
            }
          }
        } finally {
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
        }
        throw e;
      }
      LOG.info("saved {} to {} and destroyed it", ref, file);
      return null;
    });
  }

  /** The guard, naming the domain by its name. */
  private void refuseWithSnapshots(DomainRef ref, GuardedOperation operation) {
    SnapshotTree tree = store.load(ref.uuid()).tree();
    if (!tree.isEmpty()) {
      throw new DomainHasSnapshotsException(ref.name(), operation, tree.topologicalOrder());
    }
  }

  /** Whether {@link #destroyDomain}, {@link #shutdownDomain} and {@link #saveDomain} honour the snapshot guard. */
  public enum Guard {
    /** Refuse a domain that has snapshots. */
    ENFORCE,
    /** Go ahead even if it has snapshots; their metadata and files are kept. */
    OVERRIDE
  }

  // ---------------------------------------------------------------------------------------------
  // plumbing

  private interface Locked<T> {
    T run(DomainInfo info);
  }

  private <T> T withDomain(DomainSelector selector, Locked<T> body) {
    requireNonNull(selector, "domain");
    Optional<DomainInfo> found = hypervisor.find(selector);
    if (found.isEmpty() && selector instanceof DomainSelector.ByUuid byUuid) {
      recover(byUuid.uuid()); // a revert interrupted between destroy and restore left no instance
      found = hypervisor.find(selector);
    }
    UUID uuid = found.orElseThrow(() -> new DomainNotFoundException(selector.toString())).ref().uuid();
    return withLock(uuid, selector.toString(), recovery -> {
      // re-read under the lock: a concurrent revert may have replaced the instance
      DomainInfo info = hypervisor.find(new DomainSelector.ByUuid(uuid))
          .orElseThrow(() -> new DomainNotFoundException(selector.toString()));
      return body.run(info);
    });
  }

  /**
   * Runs {@code body} holding the domain: this JVM's lock of it, then the store's lease, each waited for
   * at most the lock timeout in all, interruptibly; an interrupted operation recorded is recovered first and what that did passed to {@code body}.
   */
  private <T> T withLock(UUID uuid, String domainName, Function<Optional<Recovery>, T> body) {
    ReentrantLock lock = locks.computeIfAbsent(uuid, u -> new ReentrantLock());
    long deadline = System.nanoTime() + lockTimeout.toNanos();
    acquire(lock, domainName);
    try {
      Duration left = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
      try (SnapshotStore.Lease lease = store.lockDomain(uuid, left)) {
        Optional<Recovery> recovery = recoverLocked(uuid);
        retryDeferredQuietly(uuid);
        return body.apply(recovery);
      }
    } finally {
      lock.unlock();
    }
  }

  /** Takes this JVM's lock of a domain within the lock timeout, interruptibly. */
  private void acquire(ReentrantLock lock, String domainName) {
    try {
      if (!lock.tryLock(lockTimeout.toNanos(), TimeUnit.NANOSECONDS)) {
        throw new DomainBusyException(domainName, lockTimeout, "another thread of this process");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperationCancelledException("interrupted while waiting for domain " + domainName, e);
    }
  }

  /** Retries what earlier deletes deferred, before an operation; a failure is logged, not thrown. */
  private void retryDeferredQuietly(UUID uuid) {
    try {
      List<String> actions = new ArrayList<>();
      deletes.retryDeferred(uuid, actions);
      if (!actions.isEmpty()) {
        LOG.info("domain {}: {}", uuid, String.join("; ", actions));
      }
    } catch (RuntimeException e) {
      LOG.warn("domain {}: could not retry the clean-up deferred by earlier deletes: {}", uuid, e.getMessage(), e);
    }
  }

  private UUID uuidOf(DomainSelector selector) {
    requireNonNull(selector, "domain");
    if (selector instanceof DomainSelector.ByUuid byUuid) {
      return byUuid.uuid();
    }
    return hypervisor.find(selector).orElseThrow(() -> new DomainNotFoundException(selector.toString())).ref().uuid();
  }
}
