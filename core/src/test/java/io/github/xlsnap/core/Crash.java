package io.github.xlsnap.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;

/** A crash in a test: the calling thread stops for good, leaving everything as it was at that point. */
final class Crash {
  private static final CountDownLatch NEVER = new CountDownLatch(1);
  /** The threads stopped at a crash point; per thread, so that tests can crash operations side by side. */
  private static final Set<Thread> STOPPED = ConcurrentHashMap.newKeySet();

  private Crash() {}

  static void stopHereIf(boolean crash) {
    if (!crash) {
      return;
    }
    synchronized (STOPPED) {
      STOPPED.add(Thread.currentThread());
      STOPPED.notifyAll();
    }
    while (true) {
      try {
        NEVER.await();
      } catch (InterruptedException e) {
        // a crashed process does not wake up
      }
    }
  }

  /**
   * Waits until a thread stops at a crash point or ends.
   *
   * @param operation the thread running the operation
   * @return true if it stopped at a crash point, false if it ended without reaching one
   */
  static boolean awaitStopped(Thread operation) throws InterruptedException {
    synchronized (STOPPED) {
      while (!STOPPED.contains(operation) && operation.isAlive()) {
        STOPPED.wait(20); // the thread's end is not notified: look again
      }
      return STOPPED.remove(operation);
    }
  }
}
