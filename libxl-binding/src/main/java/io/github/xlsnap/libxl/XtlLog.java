package io.github.xlsnap.libxl;

import io.github.xlsnap.libxl.internal.Libc;
import io.github.xlsnap.libxl.internal.NativeLibraries;
import io.github.xlsnap.libxl.internal.Xentoollog;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jnr.ffi.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libxl's logger: an {@code xtl_createlogger_stdiostream} writing to a pipe, whose lines a daemon
 * thread hands to a sink (SLF4J by default). A custom {@code xentoollog_logger} would need a
 * {@code va_list} callback, which JNR cannot take. Keeps the last lines for error messages, and the
 * last progress lines of a save with the time each arrived ({@link #progressSince}), from which a live
 * checkpoint's rounds and final stop are read ({@link SaveProgress}); progress lines go to SLF4J at
 * debug and are not among the lines kept for error messages. Thread-safe.
 */
final class XtlLog implements AutoCloseable {
  private static final Logger NATIVE = LoggerFactory.getLogger("io.github.xlsnap.libxl.native");
  /** {@code <tool>: <level>: <text>}, as the stdiostream logger prints each message. */
  private static final Pattern LINE = Pattern.compile(
      "^([^:\\s]+): (debug|verbose|detail|progress|info|notice|warning|error|critical): (.*)$");
  private static final int RECENT = 20;
  private static final int PROGRESS_KEPT = 400;
  /** A progress report as the stdiostream logger prints it: {@code <doing what>: <done>/<total>  <percent>%}. */
  private static final Pattern PROGRESS = Pattern.compile(": \\d+/\\d+ +\\d+%$");
  private static final String DRAIN_MARKER = "\u0001xlsnap-drain ";

  private final Libc libc;
  private final Xentoollog xentoollog;
  private final Pointer logger;
  private final Pointer file;
  private final int readFd;
  private final int writeFd;
  private final Thread reader;
  private final Object drainLock = new Object();
  private long drainsSent;
  private long drainsSeen;
  private final ArrayDeque<String> recent = new ArrayDeque<>();
  /** The last progress lines, with the {@link System#nanoTime} each was read at. Guarded by itself. */
  private final ArrayDeque<SaveProgress.Line> progress = new ArrayDeque<>();
  private volatile boolean closed;

  private XtlLog(NativeLibraries natives, Pointer logger, Pointer file, int readFd, int writeFd,
      Consumer<String> sink) {
    this.libc = natives.libc();
    this.xentoollog = natives.xentoollog();
    this.logger = logger;
    this.file = file;
    this.readFd = readFd;
    this.writeFd = writeFd;
    this.reader = new Thread(() -> pump(sink), "xlsnap-libxl-log");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Creates the pipe (close-on-exec, {@code pipe2(O_CLOEXEC)}: the processes libxl starts must not
   * hold its write end, or the reader would never see the end of the stream), the stdio stream on
   * its write end and the logger.
   *
   * @param natives the libraries
   * @param sink receives each line libxl logs
   * @return the logger
   */
  static XtlLog open(NativeLibraries natives, Consumer<String> sink) {
    Libc libc = natives.libc();
    int[] fds = new int[2];
    if (libc.pipe2(fds, Libc.O_CLOEXEC) != 0) {
      throw new IllegalStateException("pipe2(O_CLOEXEC) failed for the libxl logger");
    }
    Pointer file = libc.fdopen(fds[1], "w");
    if (file == null) {
      libc.close(fds[0]);
      libc.close(fds[1]);
      throw new IllegalStateException("fdopen() failed for the libxl logger");
    }
    // progress shown (not a terminal: one message per report), for a live checkpoint's rounds and stop
    Pointer logger = natives.xentoollog().xtl_createlogger_stdiostream(file, Xentoollog.XTL_DETAIL, 0);
    if (logger == null) {
      libc.fclose(file);
      libc.close(fds[0]);
      throw new IllegalStateException("xtl_createlogger_stdiostream failed");
    }
    return new XtlLog(natives, logger, file, fds[0], fds[1], sink);
  }

  /**
   * Returns the {@code xentoollog_logger *} to give {@code libxl_ctx_alloc}.
   *
   * @return the logger
   */
  Pointer logger() {
    return logger;
  }

  /**
   * Returns the last lines logged, oldest first.
   *
   * @return up to 20 lines
   */
  List<String> recent() {
    synchronized (recent) {
      return List.copyOf(recent);
    }
  }

  /**
   * Waits until the reader thread has taken every line written so far, so that {@link #recent()}
   * holds them: libxl logs from its own calls and from {@code libxl-save-helper}, and the stdio
   * logger flushes after each message, but the lines cross a pipe to the reader thread. Seen on real
   * Xen: without this, a failed {@code libxl_domain_suspend} returned before its error lines were
   * read. Writes a marker line (never passed on) into the pipe and waits for it, at most 2 s.
   */
  void drain() {
    long ticket;
    synchronized (drainLock) {
      if (closed) {
        return;
      }
      ticket = ++drainsSent;
    }
    byte[] marker = (DRAIN_MARKER + ticket + "\n").getBytes(StandardCharsets.UTF_8);
    if (libc.write(writeFd, marker, marker.length) != marker.length) {
      return;
    }
    long end = System.nanoTime() + 2_000_000_000L;
    synchronized (drainLock) {
      while (drainsSeen < ticket) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          drainLock.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  /**
   * The pipe's two descriptors, read end first; for tests.
   *
   * @return the descriptors
   */
  int[] pipeForTest() {
    return new int[] {readFd, writeFd};
  }

  /** Writes a line into the pipe as libxl's logger would; for tests. */
  void writeForTest(String line) {
    byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
    libc.write(writeFd, bytes, bytes.length);
  }

  private void pump(Consumer<String> sink) {
    byte[] buffer = new byte[4096];
    StringBuilder line = new StringBuilder();
    while (true) {
      long n = libc.read(readFd, buffer, buffer.length);
      if (n <= 0) {
        break;
      }
      String chunk = new String(buffer, 0, (int) n, StandardCharsets.UTF_8);
      for (int i = 0; i < chunk.length(); i++) {
        char c = chunk.charAt(i);
        if (c == '\n') {
          emit(sink, line.toString());
          line.setLength(0);
        } else {
          line.append(c);
        }
      }
    }
    if (line.length() > 0) {
      emit(sink, line.toString());
    }
  }

  private void emit(Consumer<String> sink, String line) {
    if (line.startsWith(DRAIN_MARKER)) {
      synchronized (drainLock) {
        drainsSeen = Math.max(drainsSeen, Long.parseLong(line.substring(DRAIN_MARKER.length())));
        drainLock.notifyAll();
      }
      return;
    }
    if (isProgress(line)) {
      synchronized (progress) {
        if (progress.size() == PROGRESS_KEPT) {
          progress.removeFirst();
        }
        progress.addLast(new SaveProgress.Line(System.nanoTime(), line));
      }
    } else {
      synchronized (recent) {
        if (recent.size() == RECENT) {
          recent.removeFirst();
        }
        recent.addLast(line);
      }
    }
    sink.accept(line);
  }

  /**
   * The progress lines read since a time (call {@link #drain} first to have all that libxl wrote).
   *
   * @param nanos a {@link System#nanoTime} value
   * @return the lines read at or after it, oldest first
   */
  List<SaveProgress.Line> progressSince(long nanos) {
    synchronized (progress) {
      return progress.stream().filter(l -> l.nanos() - nanos >= 0).toList();
    }
  }

  /** Whether a line is a progress report (level progress, or detail for a step under 5%). */
  static boolean isProgress(String line) {
    String level = levelOf(line);
    return (level.equals("progress") || level.equals("detail")) && PROGRESS.matcher(line).find();
  }

  /**
   * Logs one line of libxl's output to SLF4J at the level the line names: debug for debug, verbose,
   * detail and progress reports; info for info and notice; warn; error for error and critical.
   *
   * @param line the line
   */
  static void toSlf4j(String line) {
    Matcher m = LINE.matcher(line);
    if (!m.matches()) {
      NATIVE.info("{}", line);
      return;
    }
    switch (m.group(2)) {
      case "debug", "verbose", "detail", "progress" -> NATIVE.debug("{}", line);
      case "warning" -> NATIVE.warn("{}", line);
      case "error", "critical" -> NATIVE.error("{}", line);
      default -> NATIVE.info("{}", line);
    }
  }

  /**
   * Returns the level word of a line as the stdiostream logger prints it.
   *
   * @param line the line
   * @return the level, e.g. {@code error}, or empty if the line has none
   */
  static String levelOf(String line) {
    Matcher m = LINE.matcher(line);
    return m.matches() ? m.group(2) : "";
  }

  /** Destroys the logger, closes the stream and waits for the reader to drain it. Idempotent. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    xentoollog.xtl_logger_destroy(logger);
    libc.fclose(file);
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    libc.close(readFd);
  }
}
