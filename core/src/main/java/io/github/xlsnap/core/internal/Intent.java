package io.github.xlsnap.core.internal;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.XlsnapException;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What an operation of the manager is about to do to a domain, recorded in the store before the
 * domain is touched (see {@link io.github.xlsnap.core.spi.SnapshotStore#saveIntent}), so that a
 * manager started after a crash can finish or undo it: one record type per operation.
 *
 * <p>Encoded as {@code java.util.Properties} text. Format {@code xlsnap-intent-1} is every intent's but
 * two: a revert of a crashed or shut-down instance, which has no rollback memory image, is written as
 * {@code xlsnap-intent-2} (the same keys, without {@code rollback_memory}), and a record with keys an
 * older version would ignore to its cost, a revert whose failure is being undone ({@code phase=UNDO})
 * or a delete with {@code uncertain.<i>} images, as {@code xlsnap-intent-3}, so that an older version,
 * which cannot recover them, refuses them by their format instead of misreading them. All three are
 * read.
 */
public sealed interface Intent {

  /**
   * The snapshot concerned (for a delete, the one named by the caller).
   *
   * @return its name
   */
  String snapshot();

  /**
   * The domain's instance when the operation began.
   *
   * @return its domid
   */
  int domid();

  /**
   * The operation's name, as the {@link io.github.xlsnap.core.Recovery} report gives it.
   *
   * @return {@code create}, {@code delete} or {@code revert}
   */
  default String operation() {
    return getClass().getSimpleName().toLowerCase(Locale.ROOT);
  }

  /**
   * A create.
   *
   * @param snapshot the new snapshot's name
   * @param domid the domain's instance
   * @param wasPaused whether the domain was paused
   * @param withMemory whether memory is saved (else the manager pauses the domain)
   * @param files the files it creates (memory image, overlays), to remove if it did not complete
   * @param requests the disk snapshots it takes
   */
  record Create(String snapshot, int domid, boolean wasPaused, boolean withMemory, List<Path> files,
      List<DiskSnapshotRequest> requests) implements Intent {
    /**
     * Copies the lists.
     *
     * @param snapshot the name
     * @param domid the instance
     * @param wasPaused whether paused
     * @param withMemory whether memory is saved
     * @param files files created
     * @param requests disk snapshots taken
     */
    public Create {
      requireNonNull(snapshot, "snapshot");
      files = List.copyOf(files);
      requests = List.copyOf(requests);
    }
  }

  /**
   * A delete.
   *
   * @param snapshot the snapshot named by the caller
   * @param domid the domain's instance, 0 if it did not exist
   * @param doomed the snapshots it deletes
   * @param cleanup internal snapshots ({@code image} to tag) and files (tag empty) to remove once
   *     committed
   * @param uncertain owned images nothing references any longer that may hold data no snapshot
   *     captured: once committed, removed only if they hold none, else quarantined
   * @param rebased the images it rebases before its commit: rewritten files that read as before, whose
   *     new stamps are recorded whether or not the delete commits
   */
  record Delete(String snapshot, int domid, List<String> doomed, List<Map.Entry<Path, String>> cleanup,
      List<Path> uncertain, List<Path> rebased) implements Intent {
    /**
     * Copies the lists.
     *
     * @param snapshot the snapshot
     * @param domid the instance
     * @param doomed snapshots deleted
     * @param cleanup what to remove once committed
     * @param uncertain images to remove only if empty
     * @param rebased images rebased before the commit
     */
    public Delete {
      requireNonNull(snapshot, "snapshot");
      doomed = List.copyOf(doomed);
      cleanup = List.copyOf(cleanup);
      uncertain = List.copyOf(uncertain);
      rebased = List.copyOf(rebased);
    }

    /**
     * A delete that rebases no image (or was recorded by a version that did not say).
     *
     * @param snapshot the snapshot
     * @param domid the instance
     * @param doomed snapshots deleted
     * @param cleanup what to remove once committed
     * @param uncertain images to remove only if empty
     */
    public Delete(String snapshot, int domid, List<String> doomed, List<Map.Entry<Path, String>> cleanup,
        List<Path> uncertain) {
      this(snapshot, domid, doomed, cleanup, uncertain, List.of());
    }
  }

  /**
   * A revert.
   *
   * @param snapshot the snapshot reverted to
   * @param domid the instance being replaced
   * @param wasPaused whether it was paused
   * @param files the files the revert creates (new images, the rollback memory image), to remove unless
   *     completed
   * @param rollbackRequests rollback internal snapshots of the images changed in place
   * @param oldImages the disk images of the instance being replaced, by target
   * @param rollbackMemory where the instance being replaced is saved; empty if it was crashed or shut
   *     down, so not saved
   * @param configuration the configuration to restore it from
   * @param phase how far the revert got
   */
  record Revert(String snapshot, int domid, boolean wasPaused, List<Path> files,
      List<DiskSnapshotRequest> rollbackRequests, Map<String, Path> oldImages, Optional<Path> rollbackMemory,
      DomainConfiguration configuration, Phase phase) implements Intent {
    /**
     * Copies the collections.
     *
     * @param snapshot the snapshot
     * @param domid the instance replaced
     * @param wasPaused whether paused
     * @param files files created
     * @param rollbackRequests rollback disk snapshots
     * @param oldImages the old instance's images
     * @param rollbackMemory the rollback memory image
     * @param configuration the old instance's configuration
     * @param phase how far it got
     */
    public Revert {
      requireNonNull(snapshot, "snapshot");
      files = List.copyOf(files);
      rollbackRequests = List.copyOf(rollbackRequests);
      oldImages = Map.copyOf(oldImages);
      requireNonNull(rollbackMemory, "rollbackMemory");
      requireNonNull(configuration, "configuration");
      requireNonNull(phase, "phase");
    }

    /**
     * The tag of the rollback internal snapshots.
     *
     * @return the tag, empty if the revert takes none
     */
    public String rollbackTag() {
      return rollbackRequests.isEmpty() ? "" : rollbackRequests.get(0).tag().orElseThrow();
    }

    /**
     * The same record in another phase.
     *
     * @param next the phase
     * @return the record
     */
    public Revert inPhase(Phase next) {
      return new Revert(snapshot, domid, wasPaused, files, rollbackRequests, oldImages, rollbackMemory, configuration,
          next);
    }

    /** How far a revert got, which tells recovery what a domain instance it finds is. */
    public enum Phase {
      /**
       * Going forward: an instance with another domid than {@link #domid()} is the reverted one, to
       * be kept.
       */
      FORWARD,
      /**
       * Undoing a failure: the reverted instance is gone, and an instance with another domid than
       * {@link #domid()} is the previous one brought back.
       */
      UNDO
    }
  }

  /**
   * Encodes the intent.
   *
   * @return the text the store keeps
   */
  default String encode() {
    return IntentCodec.encode(this);
  }

  /**
   * Decodes an intent.
   *
   * @param text what {@link #encode} wrote
   * @return the intent
   * @throws XlsnapException if the text is not an intent this version can read
   */
  static Intent decode(String text) {
    return IntentCodec.decode(text);
  }
}
