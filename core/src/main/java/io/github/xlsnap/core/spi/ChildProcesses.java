package io.github.xlsnap.core.spi;

import static java.util.Objects.requireNonNull;

import java.io.IOException;

/**
 * Starts the processes xlsnap runs itself (such as {@code qemu-img}) through the start guard a
 * hypervisor backend installed for the whole JVM.
 *
 * <p>Why: while the JDK starts a process, the new process's pipes are open in this JVM without
 * close-on-exec. A backend whose native library forks children of its own in the meantime (libxl
 * starts QEMU and {@code libxl-save-helper}) would have them inherit the pipes; a child holding the
 * write end of a tool's output keeps the tool's reader from ever seeing the end of it. The libxl
 * backend installs a guard that starts processes only while none of its own operations that may fork
 * runs. Descriptors are per process, so the guard is too: the last one installed is used, and until
 * one is, a process starts as {@link ProcessBuilder#start()} starts it.
 *
 * <p>An application that starts processes of its own in threads beside xlsnap's operations can start
 * them here for the same protection. Thread-safe.
 */
public final class ChildProcesses {
  /** How a process is started: the default starts it at once. */
  @FunctionalInterface
  public interface StartGuard {
    /**
     * Starts the process the builder describes, as {@link ProcessBuilder#start()} does.
     *
     * @param builder the process to start
     * @return the started process
     * @throws IOException if it cannot be started
     */
    Process start(ProcessBuilder builder) throws IOException;
  }

  private static final StartGuard DIRECT = ProcessBuilder::start;
  private static volatile StartGuard guard = DIRECT;

  private ChildProcesses() {}

  /**
   * Starts a process through the installed guard.
   *
   * @param builder the process to start, not null
   * @return the started process
   * @throws IOException if it cannot be started
   */
  public static Process start(ProcessBuilder builder) throws IOException {
    return guard.start(requireNonNull(builder, "builder"));
  }

  /**
   * Installs the guard every later {@link #start} goes through, replacing the one before. A backend
   * installs its own when it opens; installing the same guard again changes nothing.
   *
   * @param startGuard the guard, not null
   */
  public static void install(StartGuard startGuard) {
    guard = requireNonNull(startGuard, "startGuard");
  }

  /** Puts back the default: processes start at once, unguarded. */
  public static void uninstall() {
    guard = DIRECT;
  }
}
