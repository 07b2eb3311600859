package io.github.xlsnap.core.internal;

import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.ProgressListener;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a file grow while a hypervisor writes it, and reports its size to a
 * {@link ProgressListener}: the hypervisor SPI has no progress callback, and needs none.
 */
public final class ProgressWatcher implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ProgressWatcher.class);
  private static final long PERIOD_MILLIS = 250;

  private final ProgressListener listener;
  private final DomainRef domain;
  private final Path file;
  private final long start = System.nanoTime();
  private final ScheduledExecutorService timer;

  /**
   * Starts watching.
   *
   * @param listener who hears the progress
   * @param domain the domain whose memory is saved
   * @param file the file being written
   */
  public ProgressWatcher(ProgressListener listener, DomainRef domain, Path file) {
    this.listener = listener;
    this.domain = domain;
    this.file = file;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "xlsnap-progress");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(() -> report(false), PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Stops watching and sends the last report. */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    report(true);
  }

  private void report(boolean done) {
    try {
      long bytes = Files.exists(file) ? Files.size(file) : 0;
      listener.memoryImageProgress(domain, file, bytes, Duration.ofNanos(System.nanoTime() - start), done);
    } catch (IOException | RuntimeException e) {
      LOG.debug("progress report for {} failed", file, e);
    }
  }
}
