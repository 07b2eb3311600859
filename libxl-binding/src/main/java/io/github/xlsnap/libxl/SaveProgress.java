package io.github.xlsnap.libxl;

import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What libxc's progress reports say about one save ({@code libxl_domain_suspend}): the number of
 * pre-copy rounds, from the iteration number of the last {@code Frames iteration N} report (libxc
 * counts from 0 and sends the final round after the domain suspended), and when the domain was
 * suspended, from the arrival of the {@code Domain now suspended} report. A live checkpoint's guest is
 * stopped from that report to the end of the call (the final round), not for the whole call.
 *
 * @param rounds the rounds, the final one included; empty if no iteration was reported
 * @param suspendedAt when the suspension was reported ({@link System#nanoTime}); empty if it was not
 */
record SaveProgress(OptionalInt rounds, OptionalLong suspendedAt) {
  /**
   * One progress line as the logger printed it, and when it was read.
   *
   * @param nanos the {@link System#nanoTime} it was read at
   * @param text the line, e.g. {@code xc: progress: Frames iteration 2: 64/64  100%}
   */
  record Line(long nanos, String text) {}

  private static final Pattern ITERATION = Pattern.compile(": Frames iteration (\\d+): \\d+/\\d+ +\\d+%$");
  private static final Pattern SUSPENDED = Pattern.compile(": Domain now suspended: \\d+/\\d+ +\\d+%$");

  /**
   * Reads the progress lines of one save.
   *
   * @param lines the lines logged during the call, oldest first
   * @return what they say
   */
  static SaveProgress of(List<Line> lines) {
    int last = -1;
    OptionalLong suspended = OptionalLong.empty();
    for (Line l : lines) {
      Matcher m = ITERATION.matcher(l.text());
      if (m.find()) {
        last = Math.max(last, Integer.parseInt(m.group(1)));
      } else if (suspended.isEmpty() && SUSPENDED.matcher(l.text()).find()) {
        suspended = OptionalLong.of(l.nanos());
      }
    }
    return new SaveProgress(last < 0 ? OptionalInt.empty() : OptionalInt.of(last + 1), suspended);
  }
}
