package io.github.xlsnap.core;

/**
 * Hears how the long steps of an operation advance: a memory image being saved or restored, a disk
 * image being merged or copied. While such a step runs the manager reports it a few times a second,
 * and once more when it ends ({@link ProgressEvent#finished()}). Set one with
 * {@link SnapshotManager.Builder#progressListener}.
 *
 * <p>Called from a background thread of the manager; implementations must be thread-safe and quick,
 * and should not throw (what they throw is logged and ignored).
 */
@FunctionalInterface
public interface ProgressListener {

  /**
   * Reports how far a step has come.
   *
   * @param event the step, what it works on, and how far it is
   */
  void progress(ProgressEvent event);
}
