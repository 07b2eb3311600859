package io.github.xlsnap.core;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Hears how a long operation advances: while the manager saves a domain's memory, it reports how
 * much of the image is written, a few times a second, and once more when the image is complete. Set
 * one with {@link SnapshotManager.Builder#progressListener}.
 *
 * <p>Called from a background thread of the manager; implementations must be thread-safe and quick,
 * and should not throw (what they throw is logged and ignored).
 */
@FunctionalInterface
public interface ProgressListener {

  /**
   * Reports the size of a memory image being written.
   *
   * @param domain the domain whose memory is saved
   * @param image the memory image
   * @param bytes the bytes written so far
   * @param elapsed the time since the save began
   * @param done true for the last report, once the image is complete
   */
  void memoryImageProgress(DomainRef domain, Path image, long bytes, Duration elapsed, boolean done);
}
