package io.github.xlsnap.core.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What a checkpoint did.
 *
 * @param bytesWritten the memory image's size
 * @param rounds the number of copy rounds (1 when not live)
 * @param guestStopped how long the guest was stopped while its memory was saved
 */
public record CheckpointResult(long bytesWritten, int rounds, Duration guestStopped) {
  /**
   * Checks the components.
   *
   * @param bytesWritten the image size
   * @param rounds the number of rounds, at least 1
   * @param guestStopped the time the guest was stopped
   */
  public CheckpointResult {
    checkArgument(bytesWritten >= 0, "bytesWritten < 0");
    checkArgument(rounds >= 1, "rounds < 1");
    requireNonNull(guestStopped, "guestStopped");
  }
}
