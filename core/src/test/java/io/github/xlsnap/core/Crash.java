package io.github.xlsnap.core;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;

/** A crash in a test: the calling thread stops for good, leaving everything as it was at that point. */
final class Crash {
  private static final CountDownLatch NEVER = new CountDownLatch(1);
  /** Released each time a thread stops at a crash point. */
  static final Semaphore REACHED = new Semaphore(0);

  private Crash() {}

  static void stopHereIf(boolean crash) {
    if (!crash) {
      return;
    }
    REACHED.release();
    while (true) {
      try {
        NEVER.await();
      } catch (InterruptedException e) {
        // a crashed process does not wake up
      }
    }
  }
}
