package io.github.xlsnap.libxl.realxen;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * The real-xen stage's phase barrier: when the system property {@code xlsnap.realxen.awaitFile} names a
 * file, the test run waits after discovery, before its first test, until that file exists. The stage
 * starts the JVMs of every phase at once and lets a later phase's lanes wait here for the phase before
 * it to end (its {@code run-tests.sh} creates the file then), so that their start under TCG (about 17 s
 * to the first test) overlaps the earlier phase instead of following it. Without the property it does
 * nothing; JUnit's launcher finds it through {@code META-INF/services}.
 */
public final class PhaseBarrier implements TestExecutionListener {
  /** The property naming the file to wait for. */
  public static final String PROPERTY = "xlsnap.realxen.awaitFile";

  private static final Duration LIMIT = Duration.ofMinutes(30);
  private static final long POLL_NANOS = Duration.ofMillis(100).toNanos();

  /** A barrier that reads its file from {@link #PROPERTY} when the test plan starts. */
  public PhaseBarrier() {}

  @Override
  public void testPlanExecutionStarted(TestPlan testPlan) {
    Optional<Path> file = Optional.ofNullable(System.getProperty(PROPERTY)).filter(s -> !s.isBlank()).map(Path::of);
    file.ifPresent(f -> await(f, LIMIT));
  }

  /**
   * Waits until a file exists (a signal another process gives by creating it).
   *
   * @param file the file
   * @param limit how long to wait at most (30 minutes in the stage)
   * @throws IllegalStateException if it did not appear in time, or the thread was interrupted
   */
  static void await(Path file, Duration limit) {
    long start = System.nanoTime();
    System.out.println("@@MARK PHASE_WAIT " + file);
    while (!Files.exists(file)) {
      if (System.nanoTime() - start > limit.toNanos()) {
        throw new IllegalStateException("the phase barrier " + file + " did not appear within " + limit);
      }
      LockSupport.parkNanos(POLL_NANOS);
      if (Thread.interrupted()) {
        throw new IllegalStateException("interrupted while waiting for the phase barrier " + file);
      }
    }
    System.out.printf("@@MARK PHASE_GO %s after %.1f s%n", file, (System.nanoTime() - start) / 1e9);
  }
}
