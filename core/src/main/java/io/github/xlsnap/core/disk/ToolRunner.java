package io.github.xlsnap.core.disk;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.concurrent.TimeUnit.NANOSECONDS;

import com.google.common.util.concurrent.Uninterruptibles;
import io.github.xlsnap.core.DiskImageException;
import io.github.xlsnap.core.spi.ChildProcesses;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeoutException;
import java.util.function.DoubleConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one command of an external tool on one image: no shell, both output streams drained on their
 * own threads (so a chatty tool never blocks on a full pipe), a time limit, and any failure turned
 * into a {@link DiskImageException} that names the image and carries the command and the tool's
 * words. Stateless; safe for concurrent use.
 */
final class ToolRunner {
  private static final Logger LOG = LoggerFactory.getLogger(ToolRunner.class);

  /** How long to wait for the output pipes to close once the process has exited. */
  private static final Duration DRAIN_GRACE = Duration.ofSeconds(10);

  /** Keeps exception messages readable when a tool prints a lot before failing. */
  private static final int MAX_DIAGNOSTIC_CHARS = 2000;

  private ToolRunner() {}

  /**
   * Runs a command to its end.
   *
   * @param image the image the command works on, for error messages
   * @param command the program (an absolute path) and its arguments
   * @param timeout how long the command may run before it is killed
   * @return what the command printed on standard output
   * @throws DiskImageException if the command cannot start, exits non-zero or runs out of time, or
   *     if the calling thread is interrupted (the interrupt flag is then set again)
   */
  static String run(Path image, List<String> command, Duration timeout) {
    return run(image, command, timeout, null);
  }

  /**
   * {@link #run(Path, List, Duration)}, reading the percentage {@code qemu-img -p} prints on standard
   * output as it goes ({@code "    (42.00/100%)\r"}) and telling {@code progress} the share done.
   *
   * @param progress hears the share done, from 0 to 1, on a reader thread; null for none
   */
  static String run(Path image, List<String> command, Duration timeout, DoubleConsumer progress) {
    String tool = toolName(command);
    LOG.debug("running {}", command);
    long startNanos = System.nanoTime();
    if (Thread.interrupted()) {
      // an interrupted caller starts nothing new (waitFor would not notice if the tool ended quickly)
      Thread.currentThread().interrupt();
      throw new DiskImageException(image, command, -1, "interrupted before " + tool + " was started on " + image,
          new InterruptedException());
    }
    Process process;
    try {
      // through the backend's guard: no fork of its native library inherits the new pipes (ChildProcesses)
      process = ChildProcesses.start(new ProcessBuilder(command));
    } catch (IOException e) {
      throw new DiskImageException(image, command, -1,
          "cannot start " + tool + " for " + image + ": " + e.getMessage(), e);
    }
    try {
      // The tools never read standard input; closing it makes that certain.
      process.getOutputStream().close();
    } catch (IOException e) {
      LOG.debug("closing the standard input of {} failed", tool, e);
    }
    FutureTask<byte[]> stdout = progress == null ? drain(process.getInputStream(), tool + " stdout")
        : drainWithProgress(process.getInputStream(), tool + " stdout", progress);
    FutureTask<byte[]> stderr = drain(process.getErrorStream(), tool + " stderr");

    try {
      if (!process.waitFor(timeout.toNanos(), NANOSECONDS)) {
        process.destroyForcibly();
        throw new DiskImageException(image, command, -1,
            tool + " did not finish within " + timeout + " on " + image + " and was killed", null);
      }
    } catch (InterruptedException e) {
      // Killing the tool mid-write can leave the image needing 'qemu-img check -r'; leaving it
      // running would let it race with whatever the caller does next.
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new DiskImageException(image, command, -1,
          "interrupted while " + tool + " was running on " + image + "; it was killed", e);
    }

    int exitCode = process.exitValue();
    String out = collect(stdout, image, command, tool);
    String err = collect(stderr, image, command, tool);
    LOG.debug("{} exited with {} after {} ms", tool, exitCode,
        Duration.ofNanos(System.nanoTime() - startNanos).toMillis());
    if (exitCode != 0) {
      throw new DiskImageException(image, command, exitCode,
          tool + " failed on " + image + " (exit code " + exitCode + "): " + diagnostics(err, out),
          null);
    }
    return out;
  }

  /**
   * Returns the name of a command's program, for messages.
   *
   * @param command the program and its arguments
   * @return the program's file name, e.g. {@code qemu-img}
   */
  static String toolName(List<String> command) {
    return Path.of(command.get(0)).getFileName().toString();
  }

  private static final java.util.regex.Pattern PERCENT = java.util.regex.Pattern.compile("\\((\\d+(?:\\.\\d+)?)/100%\\)");

  /** Like {@link #drain}, telling {@code progress} each percentage in the output as it arrives. */
  private static FutureTask<byte[]> drainWithProgress(InputStream stream, String threadName, DoubleConsumer progress) {
    FutureTask<byte[]> task = new FutureTask<>(() -> {
      java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
      StringBuilder pending = new StringBuilder();
      byte[] buffer = new byte[512];
      try (stream) {
        for (int n; (n = stream.read(buffer)) > 0; ) {
          all.write(buffer, 0, n);
          pending.append(new String(buffer, 0, n, java.nio.charset.StandardCharsets.ISO_8859_1));
          java.util.regex.Matcher m = PERCENT.matcher(pending);
          int end = -1;
          while (m.find()) {
            end = m.end();
            try {
              progress.accept(Double.parseDouble(m.group(1)) / 100);
            } catch (RuntimeException e) {
              LOG.debug("a progress listener failed", e);
            }
          }
          if (end >= 0) {
            pending.delete(0, end);
          } else if (pending.length() > 4096) {
            pending.setLength(0); // no percentage in sight: not -p output
          }
        }
      }
      return all.toByteArray();
    });
    Thread thread = new Thread(task, threadName);
    thread.setDaemon(true);
    thread.start();
    return task;
  }

  private static FutureTask<byte[]> drain(InputStream stream, String threadName) {
    FutureTask<byte[]> task = new FutureTask<>(() -> {
      try (stream) {
        return stream.readAllBytes();
      }
    });
    Thread thread = new Thread(task, threadName);
    // A drain thread must never keep the JVM alive, e.g. if a killed tool left a grandchild behind.
    thread.setDaemon(true);
    thread.start();
    return task;
  }

  private static String collect(FutureTask<byte[]> output, Path image, List<String> command,
      String tool) {
    try {
      return new String(Uninterruptibles.getUninterruptibly(output, DRAIN_GRACE), UTF_8);
    } catch (ExecutionException | TimeoutException e) {
      throw new DiskImageException(image, command, -1,
          "cannot read the output of " + tool + " on " + image + ": " + e, e);
    }
  }

  /** What to quote from a failed tool: its standard error, else its standard output (qemu-io). */
  private static String diagnostics(String stderr, String stdout) {
    String words = stderr.isBlank() ? stdout.trim() : stderr.trim();
    if (words.isEmpty()) {
      return "(no output)";
    }
    return words.length() <= MAX_DIAGNOSTIC_CHARS
        ? words
        : words.substring(0, MAX_DIAGNOSTIC_CHARS) + "... (" + words.length() + " chars)";
  }
}
