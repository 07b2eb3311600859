package io.github.xlsnap.libxl;

import io.github.xlsnap.core.HypervisorException;
import io.github.xlsnap.libxl.internal.Libc;
import io.github.xlsnap.libxl.internal.NativeLibraries;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import jnr.ffi.LibraryLoader;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this process's descriptors out of the processes libxl starts (QEMU, {@code libxl-save-helper},
 * hotplug scripts), which inherit every descriptor not marked close-on-exec.
 *
 * <p>The JVM opens files and sockets without {@code O_CLOEXEC} (it closes them itself in the children
 * it starts; libxl's {@code fork} + {@code exec} does not), and Java offers no way to open one with
 * it. So every libxl operation that may start a process runs {@link #spawning} here: all of the
 * process's descriptors above 2 are marked {@code FD_CLOEXEC} first, and no xlsnap QMP connection is
 * open or opened until the operation has ended (QMP connections run {@link #monitoring}). Operations
 * of one kind run together; the two kinds exclude each other, taking turns when both wait. libxl
 * clears the flag itself on the descriptors it hands to a child (a save or restore stream), but opens
 * two without it for the device-model QEMU it is about to start, which gets them by number: the QMP
 * socket it listens on ({@code qmp-libxl-<domid>}, {@code -chardev socket,fd=N}) and, restoring an HVM
 * guest, the device model's saved state ({@code qemu-resume.<domid>}, {@code -incoming fd:N}). The
 * marking leaves those alone ({@link #handedToAChildByLibxl}): another operation's marking would take
 * them from that QEMU, and the domain's creation would fail. What
 * remains: a descriptor another part of the application opens while such an operation runs, between
 * the marking and libxl's {@code fork}, is still inherited. libxl's {@code _LIBXL_DEBUG_EXEC_FDS=1}
 * (set in the real-Xen stage) aborts any child that inherits one.
 */
final class ChildFds {
  private static final Logger LOG = LoggerFactory.getLogger(ChildFds.class);

  /** The two kinds of work that exclude each other. */
  enum Kind {
    /** A libxl operation that may start processes. */
    SPAWN,
    /** An open QMP connection. */
    MONITOR;

    Kind other() {
      return this == SPAWN ? MONITOR : SPAWN;
    }
  }

  /** The fence of this process: libxl's children are children of the process. */
  static final ChildFds PROCESS = new ChildFds();

  private final int[] active = new int[2];
  private final int[] waiting = new int[2];
  private Kind turn = Kind.SPAWN;

  ChildFds() {}

  /** libc, loaded on first use (only libc: the QMP client also runs where libxenlight is absent). */
  private static final class LibcHolder {
    static final Libc LIBC = LibraryLoader.create(Libc.class).failImmediately().load(NativeLibraries.LIBC);
  }

  /**
   * Runs a libxl operation that may start processes: waits until no QMP connection is open, marks
   * every descriptor close-on-exec, runs it, and lets QMP connections open again.
   *
   * @param <T> the result
   * @param operation the operation, for error messages
   * @param body the operation
   * @return its result
   * @throws HypervisorException if the descriptors cannot be marked
   */
  <T> T spawning(String operation, Supplier<T> body) {
    enter(Kind.SPAWN);
    try {
      closeOnExecAll(operation);
      return body.get();
    } finally {
      exit(Kind.SPAWN);
    }
  }

  /**
   * Enters for an open QMP connection: waits until no libxl operation that may start processes runs.
   * The caller calls {@link #exit(Kind)} with {@link Kind#MONITOR} once it has closed the connection.
   */
  void enterMonitor() {
    enter(Kind.MONITOR);
  }

  /** Leaves after a QMP connection is closed. */
  void exitMonitor() {
    exit(Kind.MONITOR);
  }

  /**
   * Starts a process (the JVM-wide {@link io.github.xlsnap.core.spi.ChildProcesses} guard the backend
   * installs): only while no libxl operation that may fork runs, as a QMP connection opens, so that no
   * child libxl forks inherits the new process's pipes while the JDK has them open without
   * close-on-exec. The pipes this JVM keeps are marked by the next such operation.
   *
   * @param builder the process
   * @return the started process
   * @throws IOException if it cannot be started
   */
  Process startProcess(ProcessBuilder builder) throws IOException {
    enter(Kind.MONITOR);
    try {
      return builder.start();
    } finally {
      exit(Kind.MONITOR);
    }
  }

  /**
   * Waits, without giving up on an interrupt (the interrupt status is kept), until work of
   * {@code kind} may run, then counts it as running.
   */
  void enter(Kind kind) {
    boolean interrupted = false;
    synchronized (this) {
      int me = kind.ordinal();
      int them = kind.other().ordinal();
      waiting[me]++;
      try {
        while (active[them] > 0 || (waiting[them] > 0 && turn != kind)) {
          try {
            wait();
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      } finally {
        waiting[me]--;
      }
      active[me]++;
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Counts work of {@code kind} as ended; the last one hands the turn to the other kind. */
  synchronized void exit(Kind kind) {
    int me = kind.ordinal();
    if (active[me] <= 0) {
      throw new IllegalStateException("no " + kind + " work is running");
    }
    active[me]--;
    if (active[me] == 0) {
      turn = kind.other();
      notifyAll();
    }
  }

  /**
   * How many of each kind run now, for tests.
   *
   * @param kind the kind
   * @return the number running
   */
  synchronized int active(Kind kind) {
    return active[kind.ordinal()];
  }

  /**
   * Marks every open descriptor above 2 of this process close-on-exec ({@code FD_CLOEXEC}), as listed
   * in {@code /proc/self/fd}.
   *
   * @param operation what it is done for, for the error message
   * @return how many descriptors were not marked before
   * @throws HypervisorException if {@code /proc/self/fd} cannot be read or a descriptor stays without the
   *     flag (read back with {@code F_GETFD})
   */
  static int closeOnExecAll(String operation) {
    Libc libc = LibcHolder.LIBC;
    List<Integer> fds;
    int count = 0;
    try {
      fds = openDescriptors(libc);
    } catch (IOException | RuntimeException e) {
      throw new HypervisorException(operation, 0, "cannot list this process's descriptors in /proc/self/fd to mark "
          + "them close-on-exec before libxl starts a process", e);
    }
    List<String> marked = new ArrayList<>();
    for (int fd : fds) {
      if (fd <= 2) {
        continue;
      }
      int flags = libc.fcntl(fd, Libc.F_GETFD, 0);
      if (flags < 0 || (flags & Libc.FD_CLOEXEC) != 0) {
        continue; // closed since it was listed (the listing's own descriptor), or marked already
      }
      String libxls = handedToAChildByLibxl(libc, fd);
      if (libxls != null) {
        LOG.debug("{}: left descriptor {} inheritable: {}", operation, fd, libxls);
        continue;
      }
      // only a failed F_SETFD is read back: after a success another thread may already have closed the
      // descriptor and opened another under its number (that one is not this listing's to judge)
      if (libc.fcntl(fd, Libc.F_SETFD, flags | Libc.FD_CLOEXEC) < 0) {
        int now = libc.fcntl(fd, Libc.F_GETFD, 0);
        if (now < 0) {
          continue; // closed meanwhile
        }
        if ((now & Libc.FD_CLOEXEC) == 0) {
          throw new HypervisorException(operation, 0, "cannot mark descriptor " + fd + " (" + target(fd)
              + ") close-on-exec (fcntl F_SETFD) before libxl starts a process", null);
        }
      }
      count++;
      if (LOG.isDebugEnabled()) {
        marked.add(fd + "=" + target(fd));
      }
    }
    if (LOG.isDebugEnabled()) {
      LOG.debug("{}: marked close-on-exec: {}", operation, marked);
    }
    return count;
  }

  /** libxl's QMP socket for a device model, in its run directory: {@code qmp-libxl-<domid>}. */
  private static final Pattern LIBXL_QMP_SOCKET = Pattern.compile("qmp-libxl-\\d+");
  /** The saved device-model state libxl hands an HVM restore's QEMU: {@code qemu-resume.<domid>}. */
  private static final Pattern LIBXL_DM_STATE = Pattern.compile("qemu-resume\\.\\d+");

  /**
   * Whether a descriptor is one libxl opened without close-on-exec on purpose, for the device-model QEMU
   * it is starting, which takes it by number (libxl_dm.c in 4.17): a listening Unix socket bound to
   * {@code .../qmp-libxl-<domid>} ({@code -chardev socket,fd=N}) or a file {@code .../qemu-resume.<domid>}
   * ({@code -incoming fd:N}). Opens nothing: {@code readlink} of {@code /proc/self/fd/<fd>},
   * {@code getsockname} and {@code getsockopt}.
   *
   * @param libc the C library
   * @param fd the descriptor
   * @return what it is, null if it is not one of those
   */
  static @Nullable String handedToAChildByLibxl(Libc libc, int fd) {
    String target = target(fd);
    if (target.startsWith("socket:")) {
      Path path = boundPath(libc, fd);
      if (path != null && path.getFileName() != null
          && LIBXL_QMP_SOCKET.matcher(path.getFileName().toString()).matches() && isListening(libc, fd)) {
        return "libxl's QMP socket " + path + " for a device model it starts";
      }
      return null;
    }
    if (target.startsWith("/")) {
      Path file = Path.of(target).getFileName();
      if (file != null && LIBXL_DM_STATE.matcher(file.toString()).matches()) {
        return "libxl's saved device-model state " + target + " for the QEMU of an HVM restore";
      }
    }
    return null;
  }

  /**
   * The path a Unix socket is bound to ({@code getsockname}).
   *
   * @param libc the C library
   * @param fd the descriptor
   * @return the path, null if it is not a Unix socket bound to one (unnamed, abstract, or not a socket)
   */
  static @Nullable Path boundPath(Libc libc, int fd) {
    byte[] address = new byte[Libc.SOCKADDR_UN_SIZE];
    int[] length = {address.length};
    if (libc.getsockname(fd, address, length) != 0 || length[0] <= 2
        || ((address[0] & 0xff) | (address[1] & 0xff) << 8) != Libc.AF_UNIX || address[2] == 0) {
      return null;
    }
    int end = 2;
    while (end < Math.min(length[0], address.length) && address[end] != 0) {
      end++;
    }
    return Path.of(new String(address, 2, end - 2, StandardCharsets.UTF_8));
  }

  /**
   * Whether a socket listens ({@code getsockopt SO_ACCEPTCONN}).
   *
   * @param libc the C library
   * @param fd the descriptor
   * @return true if it is a listening socket
   */
  static boolean isListening(Libc libc, int fd) {
    int[] listening = {0};
    return libc.getsockopt(fd, Libc.SOL_SOCKET, Libc.SO_ACCEPTCONN, listening, new int[] {4}) == 0
        && listening[0] != 0;
  }

  /**
   * The descriptors open in this process, listed from {@code /proc/self/fd} with libc's {@code opendir},
   * which opens the directory close-on-exec. Not with the JDK's directory stream: it opens the directory
   * (and a duplicate) without close-on-exec, and operations that may start processes run together, so a
   * QEMU libxl started for another one inherited that listing's descriptor (real-xen stage, run 33:
   * "fd 65 is open to /proc/147/fd").
   *
   * @param libc the C library
   * @return the descriptors, the listing's own included
   * @throws IOException if the directory cannot be opened
   */
  static List<Integer> openDescriptors(Libc libc) throws IOException {
    jnr.ffi.Pointer dir = libc.opendir("/proc/self/fd");
    if (dir == null) {
      throw new IOException("opendir(/proc/self/fd) failed");
    }
    try {
      List<Integer> fds = new ArrayList<>();
      for (jnr.ffi.Pointer entry = libc.readdir(dir); entry != null; entry = libc.readdir(dir)) {
        String name = entry.getString(Libc.DIRENT_NAME_OFFSET);
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          fds.add(Integer.parseInt(name));
        }
      }
      return fds;
    } finally {
      libc.closedir(dir);
    }
  }

  /** The C library, for tests. */
  static Libc libc() {
    return LibcHolder.LIBC;
  }

  private static String target(int fd) {
    try {
      return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
    } catch (IOException | RuntimeException e) {
      return "?";
    }
  }

  /**
   * Whether a descriptor of this process is close-on-exec, from {@code /proc/self/fdinfo/<fd>}: its
   * {@code flags} (octal) include {@code O_CLOEXEC} (02000000).
   *
   * @param fd the descriptor
   * @return whether it is close-on-exec
   * @throws IOException if it is not open
   */
  static boolean isCloseOnExec(int fd) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
      if (line.startsWith("flags:")) {
        return (Integer.parseInt(line.substring("flags:".length()).trim(), 8) & Libc.O_CLOEXEC) != 0;
      }
    }
    throw new IOException("/proc/self/fdinfo/" + fd + " has no flags line");
  }
}
