package io.github.xlsnap.libxl.realxen;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The console of the counter guest as xenconsoled logs it in dom0
 * ({@code /var/log/xen/console/guest-<name>.log}, appended across instances with that name). Each
 * {@code @@DOMU_TICK i disk_before='DISKTICK m'} line carries the guest's memory counter {@code i} and
 * what its disk held before this tick's write ({@code m}, or -1 when empty).
 */
public final class GuestConsole {
  private static final Pattern TICK = Pattern.compile("@@DOMU_TICK (\\d+) disk_before='(?:DISKTICK 0*(\\d+)|[^']*)'");

  /** One tick: the counter in memory, and the counter the disk held before it was written. */
  public record Tick(int memory, int diskBefore) {
    /** Whether the disk is exactly one step behind memory, as after an uninterrupted run. */
    public boolean consistent() {
      return diskBefore == memory - 1;
    }
  }

  /** The instance whose ticks were awaited stopped before logging them. */
  public static final class InstanceStopped extends AssertionError {
    private static final long serialVersionUID = 1L;

    InstanceStopped(String message) {
      super(message);
    }
  }

  private final Path log;

  public GuestConsole(String domainName) {
    this.log = Path.of("/var/log/xen/console/guest-" + domainName + ".log");
  }

  /** Number of lines logged so far: a mark to read ticks after. */
  public int mark() {
    return lines().size();
  }

  /** Ticks logged after {@code mark}. */
  public List<Tick> ticksAfter(int mark) {
    List<String> all = lines();
    List<Tick> ticks = new ArrayList<>();
    for (String line : all.subList(Math.min(mark, all.size()), all.size())) {
      Matcher m = TICK.matcher(line);
      if (m.find()) {
        ticks.add(new Tick(Integer.parseInt(m.group(1)), m.group(2) == null ? -1 : Integer.parseInt(m.group(2))));
      }
    }
    return ticks;
  }

  /**
   * Waits for {@code count} ticks of an instance restarted from an earlier state: ticks after
   * {@code mark} from the first one whose counter is at most {@code atMost} (the old instance may
   * still log higher counters after the mark, until it is destroyed).
   */
  public List<Tick> awaitRestartedTicks(int mark, int atMost, int count, Duration timeout)
      throws InterruptedException {
    return awaitRestartedTicks(mark, atMost, count, timeout, Optional::empty);
  }

  /**
   * As {@link #awaitRestartedTicks(int, int, int, Duration)}, and fails at once with {@link InstanceStopped}
   * when {@code stopped} tells why the instance will log no more ticks.
   */
  public List<Tick> awaitRestartedTicks(int mark, int atMost, int count, Duration timeout,
      Supplier<Optional<String>> stopped) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Tick> t = ticksAfter(mark);
      int start = 0;
      while (start < t.size() && t.get(start).memory() > atMost) {
        start++;
      }
      if (t.size() - start >= count) {
        return t.subList(start, t.size());
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("guest console " + log + ": no " + count + " ticks with a counter restarted at or below "
            + atMost + " after line " + mark + " within " + timeout + ": " + t);
      }
      Optional<String> why = stopped.get();
      if (why.isPresent()) {
        throw new InstanceStopped("guest console " + log + ": " + t.size() + " ticks after line " + mark
            + ", and the instance stopped: " + why.get());
      }
      Thread.sleep(250);
    }
  }

  /** The last tick logged, or none. */
  public int lastCounter() {
    List<Tick> t = ticksAfter(0);
    return t.isEmpty() ? 0 : t.get(t.size() - 1).memory();
  }

  /** Waits until {@code count} ticks follow {@code mark}, and returns them. */
  public List<Tick> awaitTicks(int mark, int count, Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (true) {
      List<Tick> t = ticksAfter(mark);
      if (t.size() >= count) {
        return t;
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("guest console " + log + ": " + t.size() + " of " + count + " ticks after line "
            + mark + " within " + timeout + "; tail: " + tail());
      }
      Thread.sleep(250);
    }
  }

  private String tail() {
    List<String> all = lines();
    return String.join(" | ", all.subList(Math.max(0, all.size() - 5), all.size()));
  }

  private List<String> lines() {
    try {
      if (!Files.exists(log)) {
        return List.of();
      }
      return List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n", -1))
          .stream().filter(l -> !l.isEmpty()).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
