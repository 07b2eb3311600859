package io.github.xlsnap.core;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the calls of one wrapped component and makes a chosen one fail (or, for a crash, never
 * return), shared by {@link FaultyHypervisor}, {@link FaultyDiskImages} and {@link FaultyStore}.
 * Points may also share a {@link Sequence}, which numbers the calls of all of them in the order they
 * happen and can stop the thread at one of those, for a crash in the middle of a rollback.
 */
final class InjectionPoint {
  private final AtomicInteger calls = new AtomicInteger();
  private volatile int failAt = -1;
  private volatile boolean crash;
  private volatile Sequence sequence = new Sequence();

  /** Numbers the calls of several points together. */
  static final class Sequence {
    private final AtomicInteger calls = new AtomicInteger();
    private volatile int crashAt = -1;
    private volatile int failedAt = -1;

    /** Starts counting from zero, crashing at the n-th call from now (0 or less: never). */
    void crashAt(int n) {
      calls.set(0);
      failedAt = -1;
      crashAt = n;
    }

    /** The calls since the last {@link #crashAt}. */
    int calls() {
      return calls.get();
    }

    /** The number, in this sequence, of the call that an armed point failed; -1 if none did. */
    int failedAt() {
      return failedAt;
    }
  }

  /** Counts this point's calls in {@code shared} from now on. */
  void share(Sequence shared) {
    sequence = shared;
  }

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
    Sequence s = sequence;
    int global = s.calls.incrementAndGet();
    Crash.stopHereIf(global == s.crashAt);
    if (calls.incrementAndGet() != failAt) {
      return false;
    }
    Crash.stopHereIf(crash);
    s.failedAt = global;
    return true;
  }
}
