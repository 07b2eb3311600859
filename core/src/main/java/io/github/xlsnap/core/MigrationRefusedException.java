package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * A migration of a domain that has snapshots was refused ({@link SnapshotManager#checkMigration}),
 * because its snapshots would not follow it to the target host. It is a {@link
 * DomainHasSnapshotsException}, so callers that catch the guard's refusal catch it too.
 *
 * <p>{@link #reason()} says which condition failed: the snapshot store keeps metadata per host (export
 * it and import it on the target instead, or use a pool-wide store), or files the snapshots and the
 * domain's disks depend on are not on shared storage ({@link #localFiles()}, each with where it is).
 */
public final class MigrationRefusedException extends DomainHasSnapshotsException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #reason()}. */
  private final Reason reason;
  /** Returned by {@link #localFiles()}. */
  private final List<String> localFiles;

  /** Why a migration was refused. */
  public enum Reason {
    /** The store keeps each host's metadata apart ({@link io.github.xlsnap.core.spi.SnapshotStore#isPoolWide()}). */
    STORE_PER_HOST,
    /** A file the snapshots or the domain's disks depend on is not on shared storage. */
    LOCAL_STORAGE
  }

  /**
   * Creates the exception.
   *
   * @param domain the domain's name as given
   * @param snapshots the domain's snapshots, in topological order
   * @param reason the condition that failed
   * @param detail the reason in words: the store for {@link Reason#STORE_PER_HOST}, the files for
   *     {@link Reason#LOCAL_STORAGE}
   * @param localFiles for {@link Reason#LOCAL_STORAGE}, each file not on shared storage with where it
   *     is ({@code memory image /x is on local storage (ext4 at /)}); empty otherwise
   */
  public MigrationRefusedException(String domain, List<String> snapshots, Reason reason, String detail,
      List<String> localFiles) {
    super(GuardedOperation.MIGRATE, snapshots, "refusing to migrate domain " + domain + ": it has " + snapshots.size()
        + " snapshot(s) " + snapshots + " and " + requireNonNull(detail, "detail") + "; or override the guard");
    this.reason = requireNonNull(reason, "reason");
    this.localFiles = List.copyOf(localFiles);
  }

  /**
   * Returns the condition that failed.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  /**
   * Returns the files not on shared storage, each with where it is.
   *
   * @return one line per file, empty for {@link Reason#STORE_PER_HOST}
   */
  public List<String> localFiles() {
    return localFiles;
  }
}
