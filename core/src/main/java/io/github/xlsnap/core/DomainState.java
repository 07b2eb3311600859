package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * A domain's state as libxl reports it in {@code libxl_dominfo}: independent flags, as in Xen, plus
 * the shutdown reason when the domain has shut down. A suspended domain (after a checkpoint) is shut
 * down with reason {@link ShutdownReason#SUSPEND}.
 *
 * @param running a vcpu is running
 * @param blocked the vcpus are blocked (idle)
 * @param paused the domain is paused
 * @param dying the domain is being destroyed
 * @param shutdown the shutdown reason when the domain has shut down, empty otherwise
 */
public record DomainState(
    boolean running, boolean blocked, boolean paused, boolean dying, Optional<ShutdownReason> shutdown) {

  /** A running domain. */
  public static final DomainState RUNNING = new DomainState(true, false, false, false, Optional.empty());
  /** A paused domain. */
  public static final DomainState PAUSED = new DomainState(false, false, true, false, Optional.empty());
  /** A domain suspended by a checkpoint, its memory saved, waiting to be resumed or destroyed. */
  public static final DomainState SUSPENDED =
      new DomainState(false, false, false, false, Optional.of(ShutdownReason.SUSPEND));

  /**
   * Checks the components.
   *
   * @param running a vcpu is running
   * @param blocked the vcpus are blocked
   * @param paused the domain is paused
   * @param dying the domain is being destroyed
   * @param shutdown the shutdown reason, empty if not shut down
   */
  public DomainState {
    requireNonNull(shutdown, "shutdown");
  }

  /**
   * Tells whether the domain is suspended: shut down with reason suspend, as after a checkpoint.
   *
   * @return true if suspended
   */
  public boolean isSuspended() {
    return shutdown.filter(r -> r == ShutdownReason.SUSPEND).isPresent();
  }

  /**
   * Tells whether the domain is alive and can be snapshotted: not shut down and not dying.
   *
   * @return true if running, blocked or paused
   */
  public boolean isActive() {
    return shutdown.isEmpty() && !dying;
  }

  /**
   * Returns the state as {@code xl list} prints it: six columns {@code r b p s c d}, a dash where the
   * flag is off ({@code s} for any shutdown but a crash, {@code c} for a crash).
   *
   * @return the six-letter state, e.g. {@code r-----} or {@code --p---}
   */
  public String xlLetters() {
    boolean crashed = shutdown.filter(r -> r == ShutdownReason.CRASH).isPresent();
    return new StringBuilder()
        .append(running ? 'r' : '-')
        .append(blocked ? 'b' : '-')
        .append(paused ? 'p' : '-')
        .append(shutdown.isPresent() && !crashed ? 's' : '-')
        .append(crashed ? 'c' : '-')
        .append(dying ? 'd' : '-')
        .toString();
  }

  /**
   * Returns the state as one word: {@code running}, {@code blocked}, {@code paused},
   * {@code suspended}, {@code shutdown}, {@code crashed} or {@code dying}.
   *
   * @return the word
   */
  public String word() {
    if (dying) {
      return "dying";
    }
    if (shutdown.isPresent()) {
      return switch (shutdown.get()) {
        case SUSPEND -> "suspended";
        case CRASH -> "crashed";
        default -> "shutdown";
      };
    }
    if (paused) {
      return "paused";
    }
    return blocked && !running ? "blocked" : "running";
  }

  @Override
  public String toString() {
    return word();
  }
}
