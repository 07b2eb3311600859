package io.github.xlsnap.core.internal;

import io.github.xlsnap.core.ProgressEvent;
import io.github.xlsnap.core.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalInt;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports a step's progress to a {@link ProgressListener} a few times a second while it runs, and once
 * more when it ends, reading how far it is from a probe: the size of a file a hypervisor writes, the
 * position of a descriptor a hypervisor reads, a tool's own percentage. The SPIs need no progress
 * callback of their own.
 */
public final class ProgressWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressWatcher.class);
  private static final long PERIOD_MILLIS = 250;

  private final ProgressListener listener;
  private final String domain;
  private final ProgressEvent.Step step;
  private final Path file;
  private final long total;
  private final LongSupplier done;
  private final long start = System.nanoTime();
  private final ScheduledExecutorService timer;

  /**
   * Starts watching.
   *
   * @param listener who hears the progress
   * @param domain the domain's name
   * @param step the step
   * @param file the file it works on
   * @param total the bytes it works towards, 0 if unknown
   * @param done reads the bytes done (may throw: that report is skipped)
   */
  public ProgressWatcher(ProgressListener listener, String domain, ProgressEvent.Step step, Path file, long total,
      LongSupplier done) {
    this.listener = listener;
    this.domain = domain;
    this.step = step;
    this.file = file;
    this.total = total;
    this.done = done;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "xlsnap-progress");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(() -> report(false, OptionalInt.empty()), PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  private boolean finished;

  /**
   * Stops watching and sends the last report, with the rounds a memory save took.
   *
   * @param rounds the rounds
   */
  public void finish(int rounds) {
    stop(OptionalInt.of(rounds));
  }

  /** Stops watching and sends the last report, unless {@link #finish} did. */
  @Override
  public void close() {
    stop(OptionalInt.empty());
  }

  private void stop(OptionalInt rounds) {
    if (finished) {
      return;
    }
    finished = true;
    timer.shutdownNow();
    boolean interrupted = false;
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      interrupted = true;
    }
    report(true, rounds);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void report(boolean last, OptionalInt rounds) {
    try {
      listener.progress(new ProgressEvent(domain, step, file, Math.max(0, done.getAsLong()), total,
          Duration.ofNanos(System.nanoTime() - start), last, rounds));
    } catch (RuntimeException e) {
      LOG.debug("progress report for {} failed", file, e);
    }
  }

  /**
   * The size of a file, 0 while it does not exist.
   *
   * @param file the file
   * @return its size
   */
  public static long size(Path file) {
    try {
      return Files.exists(file) ? Files.size(file) : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
