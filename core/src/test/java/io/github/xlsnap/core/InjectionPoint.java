package io.github.xlsnap.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the calls of one wrapped component and makes a chosen one fail (or, for a crash, never
 * return), shared by {@link FaultyHypervisor}, {@link FaultyDiskImages} and {@link FaultyStore}.
 */
final class InjectionPoint {
  private final AtomicInteger calls = new AtomicInteger();
  private volatile int failAt = -1;
  private volatile boolean crash;

  /** Fails the n-th call from now (1 = the next one); 0 or less: never. Resets the count. */
  void failAt(int n) {
    crash = false;
    calls.set(0);
    failAt = n;
  }

  /** Like {@link #failAt}, but the n-th call never returns: the thread stops there, as in a crash. */
  void crashAt(int n) {
    failAt(n);
    crash = true;
  }

  /** The number of calls since the last {@link #failAt}. */
  int calls() {
    return calls.get();
  }

  /** Counts a call; returns true if it must fail (after stopping for good, for a crash). */
  boolean hit() {
    if (calls.incrementAndGet() != failAt) {
      return false;
    }
    Crash.stopHereIf(crash);
    return true;
  }
}
