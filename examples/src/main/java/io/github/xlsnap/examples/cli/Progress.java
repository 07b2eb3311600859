package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.ProgressListener;
import java.io.PrintWriter;
import java.util.Locale;

/** Shows a memory image being written, on a terminal only (not when output is piped). */
final class Progress {
  private Progress() {}

  static ProgressListener onTerminal(PrintWriter err) {
    if (System.console() == null) {
      return null;
    }
    return (domain, image, bytes, elapsed, done) -> {
      double seconds = Math.max(elapsed.toNanos() / 1e9, 1e-3);
      String line = String.format(Locale.ROOT, "\rsaving memory of %s: %s at %s/s%s", domain.name(), size(bytes),
          size((long) (bytes / seconds)), done ? " - done\n" : "   ");
      synchronized (err) {
        err.print(line);
        err.flush();
      }
    };
  }

  static String size(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
