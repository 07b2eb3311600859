package io.github.xlsnap.store;

import static java.util.concurrent.TimeUnit.SECONDS;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A JVM child process that a test kills with SIGKILL in the middle of its work. It prints lines on
 * stdout, flushed, as it goes: {@code READY} once it works, then acknowledgements. The test waits
 * for those lines, never for time, so the kill lands after the child got going however slowly a
 * busy machine starts it; {@link #sigkill} checks that the child was still alive at the kill and
 * that SIGKILL is what ended it.
 *
 * <p>The child's own child processes ({@code qemu-img}) outlive a SIGKILL of the JVM, as they would
 * after a real crash; {@link #sigkill} waits for them, so that whatever checks the aftermath does not
 * race an orphaned tool still writing an image.
 *
 * <p>Not thread-safe: one test thread drives it.
 */
final class KillableChild implements AutoCloseable {
  /** The exit status of a process killed by SIGKILL (signal 9): 128 + 9. */
  static final int SIGKILL_STATUS = 137;
  private static final String EOF = "\u0000EOF";

  private final Process process;
  private final Path stderr;
  private final LinkedBlockingQueue<String> queue = new LinkedBlockingQueue<>();
  private final List<String> lines = new ArrayList<>();
  private boolean ended;

  private KillableChild(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    Thread reader = new Thread(this::pump, "child-stdout-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Starts {@code main} of a class on this JVM's class path in a new JVM tuned to start fast.
   *
   * @param mainClass the child's main class
   * @param stderr where its standard error goes
   * @param args its arguments
   * @return the running child
   */
  static KillableChild start(Class<?> mainClass, Path stderr, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-XX:+UseSerialGC", "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
        mainClass.getName()));
    cmd.addAll(List.of(args));
    return new KillableChild(new ProcessBuilder(cmd).redirectError(stderr.toFile()).start(), stderr);
  }

  /**
   * Sends the child a line on its standard input: for a child started ahead of time that waits for
   * a word before it touches anything.
   *
   * @param line the line
   */
  void tell(String line) throws IOException {
    process.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
    process.getOutputStream().flush();
  }

  private void pump() {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String l = in.readLine(); l != null; l = in.readLine()) {
        queue.add(l);
      }
    } catch (IOException e) {
      queue.add("READ-ERROR " + e);
    } finally {
      queue.add(EOF);
    }
  }

  /**
   * Waits for the next line that matches, keeping every line read on the way.
   *
   * @param wanted what the line must satisfy
   * @param timeout how long the child may take (a bound against a hung child, not a timing)
   * @return the line
   * @throws AssertionError if the child ends or times out first
   */
  String await(Predicate<String> wanted, Duration timeout) throws InterruptedException, IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      String l = ended ? null : queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (l == null || l.equals(EOF)) {
        ended = ended || l != null;
        throw new AssertionError((l == null ? "timed out after " + timeout : "the child ended")
            + " waiting for its next line; its last lines: " + tail() + "; its stderr: " + stderrText());
      }
      lines.add(l);
      if (wanted.test(l)) {
        return l;
      }
    }
  }

  /**
   * Kills the child with SIGKILL, now, and collects what it printed until then.
   *
   * <p>The child is first stopped (SIGSTOP), so that it cannot start another tool between the look
   * at its descendants and the kill; then killed ({@link Process#destroyForcibly}, which is SIGKILL
   * on Linux: the exit status proves it); then its orphaned tools are waited for.
   *
   * @return every complete line it printed, in order
   * @throws AssertionError if the child had already ended (the kill would have tested nothing) or
   *     did not die of SIGKILL
   */
  List<String> sigkill() throws InterruptedException, IOException {
    if (!process.isAlive()) {
      throw new AssertionError("the child ended before it was killed, status " + process.exitValue()
          + "; its last lines: " + tail() + "; its stderr: " + stderrText());
    }
    Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(process.pid())).inheritIO().start();
    if (!stop.waitFor(30, SECONDS) || stop.exitValue() != 0) {
      throw new AssertionError("kill -STOP " + process.pid() + " failed");
    }
    List<ProcessHandle> orphans = process.descendants().toList();
    process.destroyForcibly();
    if (!process.waitFor(60, SECONDS)) {
      throw new AssertionError("the child survived SIGKILL for 60 s");
    }
    if (process.exitValue() != SIGKILL_STATUS) {
      throw new AssertionError("the child ended with status " + process.exitValue() + ", not by SIGKILL ("
          + SIGKILL_STATUS + "); its stderr: " + stderrText());
    }
    for (ProcessHandle orphan : orphans) {
      try {
        orphan.onExit().get(120, SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        throw new AssertionError("orphaned tool " + orphan.pid() + " of the killed child did not finish", e);
      }
    }
    drain();
    return List.copyOf(lines);
  }

  /**
   * Waits for the child to end by itself and collects its lines.
   *
   * @return every line it printed
   * @throws AssertionError if it does not end in time or ends with a status other than 0
   */
  List<String> awaitSuccess(Duration timeout) throws InterruptedException, IOException {
    if (!process.waitFor(timeout.toSeconds(), SECONDS)) {
      throw new AssertionError("the child did not finish within " + timeout);
    }
    drain();
    if (process.exitValue() != 0) {
      throw new AssertionError("the child exited with " + process.exitValue() + ": " + stderrText());
    }
    return List.copyOf(lines);
  }

  private void drain() throws InterruptedException {
    while (!ended) {
      String l = queue.poll(60, SECONDS);
      if (l == null || l.equals(EOF)) {
        ended = true;
      } else {
        lines.add(l);
      }
    }
  }

  /** The child's standard error so far. */
  String stderrText() throws IOException {
    return Files.exists(stderr) ? Files.readString(stderr, StandardCharsets.UTF_8) : "";
  }

  private List<String> tail() {
    return lines.subList(Math.max(0, lines.size() - 5), lines.size());
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
