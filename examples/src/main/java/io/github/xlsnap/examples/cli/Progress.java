package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.ProgressEvent;
import io.github.xlsnap.core.ProgressListener;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Shows the long steps of a command (memory saved and restored, disk data merged and copied) on one
 * line of standard error that rewrites itself, when standard error is a terminal, whether or not
 * standard output is piped; {@code XLSNAP_PROGRESS=always} or {@code never} decides instead.
 */
final class Progress {
  private Progress() {}

  /**
   * A listener writing to {@code err}, or null when progress is not to be shown.
   *
   * @param err standard error
   * @return the listener, or null
   */
  static ProgressListener onTerminal(PrintWriter err) {
    return shown(System.getenv("XLSNAP_PROGRESS")) ? to(err) : null;
  }

  /** Whether to show progress, for the value of {@code XLSNAP_PROGRESS}. */
  static boolean shown(String setting) {
    if ("always".equals(setting)) {
      return true;
    }
    if ("never".equals(setting)) {
      return false;
    }
    return stderrIsTerminal();
  }

  /** Whether this process's standard error is a terminal (Linux: what descriptor 2 names). */
  static boolean stderrIsTerminal() {
    try {
      String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
      return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
    } catch (IOException | UnsupportedOperationException e) {
      return System.console() != null; // not Linux: a console means both ends are terminals
    }
  }

  /** A listener that writes every event to {@code err}. */
  static ProgressListener to(PrintWriter err) {
    return event -> {
      String line = "\r" + describe(event) + (event.finished() ? " - done\n" : "\033[K");
      synchronized (err) {
        err.print(line);
        err.flush();
      }
    };
  }

  /** One event in words, without line control. */
  static String describe(ProgressEvent e) {
    String share = e.fraction().isPresent()
        ? String.format(Locale.ROOT, " (%d%%)", Math.round(Math.min(1, e.fraction().getAsDouble()) * 100)) : "";
    String of = e.total() > 0 ? " of " + size(e.total()) : "";
    double seconds = Math.max(e.elapsed().toNanos() / 1e9, 1e-3);
    String name = e.file().getFileName().toString();
    return switch (e.step()) {
      case SAVING_MEMORY -> "saving memory of " + e.domain() + ": " + size(e.done()) + of + share + " at "
          + size((long) (e.done() / seconds)) + "/s"
          + (e.rounds().isPresent() && e.rounds().getAsInt() > 1 ? " in " + e.rounds().getAsInt() + " rounds" : "");
      case RESTORING_MEMORY -> "restoring " + e.domain() + " from " + name + ": " + size(e.done()) + of + share;
      case MERGING_DISK -> "merging disk data into " + name + " (" + e.domain() + ")" + share;
      case COPYING_DISK -> "copying a disk snapshot's state to " + name + " (" + e.domain() + ")" + share;
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
