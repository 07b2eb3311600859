package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * How far a long step has come, as a {@link ProgressListener} hears it.
 *
 * @param domain the domain's name (its UUID if it is not on this host)
 * @param step what the step does
 * @param file the file it works on: the memory image, or the disk image merged or written
 * @param done how far it is, in bytes: of the memory image written or read; for disk steps, the share
 *     of the image's virtual size that {@code qemu-img} reports done
 * @param total the size the step works towards, in bytes; 0 if not known. For a memory save, the
 *     domain's memory (the image ends a little larger, with the device state)
 * @param elapsed the time since the step began
 * @param finished true for the last report of the step, once it ended (well or not)
 * @param rounds in the last report of a memory save that succeeded, the number of rounds it took (a
 *     live save's pre-copy rounds, the last with the guest stopped; 1 for a stopped save); else empty
 */
public record ProgressEvent(String domain, Step step, Path file, long done, long total, Duration elapsed,
    boolean finished, OptionalInt rounds) {

  /** What a step does. */
  public enum Step {
    /** Saving a domain's memory to a memory image (a snapshot's, or a revert's rollback image). */
    SAVING_MEMORY,
    /** Restoring a domain from a memory image. */
    RESTORING_MEMORY,
    /** Merging a disk image's data into the image built on it ({@code qemu-img rebase}), on a delete. */
    MERGING_DISK,
    /** Copying an internal snapshot's state out to a new image ({@code qemu-img convert}), on a revert. */
    COPYING_DISK
  }

  /**
   * Checks the components.
   *
   * @param domain the domain
   * @param step the step
   * @param file the file
   * @param done bytes done, not negative
   * @param total bytes in all, not negative; 0 if unknown
   * @param elapsed the time since the step began
   * @param finished whether the step ended
   * @param rounds the rounds of a finished memory save
   */
  public ProgressEvent {
    requireNonNull(domain, "domain");
    requireNonNull(step, "step");
    requireNonNull(file, "file");
    requireNonNull(elapsed, "elapsed");
    requireNonNull(rounds, "rounds");
    checkArgument(done >= 0, "done < 0");
    checkArgument(total >= 0, "total < 0");
  }

  /**
   * The share done, from 0 to 1, when the total is known. A memory save may pass 1 a little (the
   * device state follows the memory).
   *
   * @return {@code done / total}, empty if the total is not known
   */
  public OptionalDouble fraction() {
    return total == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) done / total);
  }
}
