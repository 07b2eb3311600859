package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.libxl.ChildFds.Kind;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Descriptors and libxl's children, on this host's real kernel: what the JDK opens is inheritable
 * until {@link ChildFds#closeOnExecAll} marks it, and the fence keeps QMP connections and process-starting
 * libxl operations apart. The flag is read from {@code /proc/self/fdinfo/<fd>} ({@code O_CLOEXEC} is
 * 02000000 in its octal {@code flags}).
 */
class ChildFdsTest {
  @TempDir Path dir;

  /** The descriptor of this process open to {@code file}. */
  private static int fdOf(Path file) throws Exception {
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path p : (Iterable<Path>) fds::iterator) {
        try {
          if (Files.readSymbolicLink(p).equals(file)) {
            return Integer.parseInt(p.getFileName().toString());
          }
        } catch (java.io.IOException gone) {
          // the listing's own descriptor
        }
      }
    }
    throw new AssertionError("no descriptor open to " + file);
  }

  @Test
  void aDescriptorTheJdkOpensIsInheritableUntilEveryDescriptorIsMarkedCloseOnExec() throws Exception {
    Path file = Files.createFile(dir.resolve("held"));
    try (FileChannel channel = FileChannel.open(file)) {
      int fd = fdOf(file);
      assertThat(ChildFds.isCloseOnExec(fd)).as("the JDK opens files without O_CLOEXEC").isFalse();

      int marked = ChildFds.closeOnExecAll("test");

      assertThat(marked).isPositive();
      assertThat(ChildFds.isCloseOnExec(fd)).isTrue();
      assertThat(ChildFds.isCloseOnExec(0)).as("stdin is left alone").isFalse();
      assertThat(inheritableFds()).isEmpty();
    }
  }

  /**
   * libxl opens two descriptors without close-on-exec for the device-model QEMU it is starting, which
   * takes them by number: a listening socket bound to {@code qmp-libxl-<domid>} and the file
   * {@code qemu-resume.<domid>}. A marking by another operation at that moment must leave them, and only
   * them: look-alike names and the socket a connection to it was accepted on (bound to the same path) are
   * marked.
   */
  @Test
  void theMarkingLeavesLibxlsDeviceModelDescriptorsInheritableAndMarksTheirLookAlikes() throws Exception {
    Path qmp = dir.resolve("qmp-libxl-7");
    Path state = Files.write(dir.resolve("qemu-resume.7"), new byte[] {1});
    Path notState = Files.write(dir.resolve("qemu-resume.7.old"), new byte[] {1});
    try (ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        ServerSocketChannel lookAlike = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        FileChannel dmState = FileChannel.open(state);
        FileChannel other = FileChannel.open(notState)) {
      listening.bind(UnixDomainSocketAddress.of(qmp));
      lookAlike.bind(UnixDomainSocketAddress.of(dir.resolve("qmp-libxl-7x")));
      try (SocketChannel client = SocketChannel.open(UnixDomainSocketAddress.of(qmp));
          SocketChannel accepted = listening.accept()) {
        Map<String, Integer> fds = new TreeMap<>();
        fds.put("the state file", fdOf(state));
        fds.put("a look-alike file", fdOf(notState));
        for (int fd : ChildFds.openDescriptors(ChildFds.libc())) {
          describeSocket(fd).ifPresent(what -> fds.put(what, fd));
        }
        assertThat(fds).containsOnlyKeys("the state file", "a look-alike file", "listening on qmp-libxl-7",
            "listening on qmp-libxl-7x", "accepted on qmp-libxl-7");
        for (int fd : fds.values()) {
          assertThat(ChildFds.isCloseOnExec(fd)).as("the JDK opens without O_CLOEXEC").isFalse();
        }

        ChildFds.closeOnExecAll("test");

        Map<String, Boolean> marked = new TreeMap<>();
        for (Map.Entry<String, Integer> e : fds.entrySet()) {
          marked.put(e.getKey(), ChildFds.isCloseOnExec(e.getValue()));
        }
        assertThat(marked).containsExactlyInAnyOrderEntriesOf(Map.of(
            "the state file", false, "listening on qmp-libxl-7", false,
            "a look-alike file", true, "listening on qmp-libxl-7x", true, "accepted on qmp-libxl-7", true));
      }
    }
  }

  /** A Unix socket bound in this test's directory: "listening on NAME" or "accepted on NAME". */
  private java.util.Optional<String> describeSocket(int fd) {
    Path bound = ChildFds.boundPath(ChildFds.libc(), fd);
    if (bound == null || !bound.startsWith(dir)) {
      return java.util.Optional.empty(); // not a socket, unnamed (a client), or not this test's
    }
    return java.util.Optional.of((ChildFds.isListening(ChildFds.libc(), fd) ? "listening on " : "accepted on ")
        + bound.getFileName());
  }

  @Test
  void aQmpConnectionWaitsWhileAProcessStartingOperationRunsAndViceVersa() throws Exception {
    ChildFds fence = new ChildFds();
    CountDownLatch spawning = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread spawner = new Thread(() -> fence.spawning("test", () -> {
      spawning.countDown();
      await(release);
      return null;
    }));
    spawner.start();
    assertThat(spawning.await(10, TimeUnit.SECONDS)).isTrue();

    CountDownLatch monitoring = new CountDownLatch(1);
    Thread monitor = new Thread(() -> {
      fence.enterMonitor();
      monitoring.countDown();
      fence.exitMonitor();
    });
    monitor.start();
    awaitState(monitor, Thread.State.WAITING);
    assertThat(monitoring.getCount()).as("no QMP connection while a domain is being created").isEqualTo(1);
    assertThat(fence.active(Kind.MONITOR)).isZero();

    release.countDown();
    assertThat(monitoring.await(10, TimeUnit.SECONDS)).isTrue();
    spawner.join();
    monitor.join();

    fence.enterMonitor();
    AtomicInteger ran = new AtomicInteger();
    Thread later = new Thread(() -> fence.spawning("test", ran::incrementAndGet));
    later.start();
    awaitState(later, Thread.State.WAITING);
    assertThat(ran).hasValue(0);
    fence.exitMonitor();
    later.join(10_000);
    assertThat(ran).hasValue(1);
  }

  @Test
  void aProcessStartsOnlyOnceNoProcessStartingOperationRuns() throws Exception {
    ChildFds fence = new ChildFds();
    fence.enter(Kind.SPAWN);
    AtomicReference<Process> started = new AtomicReference<>();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread starter = new Thread(() -> {
      try {
        started.set(fence.startProcess(new ProcessBuilder("true")));
      } catch (Throwable t) {
        failed.set(t);
      }
    });
    starter.start();
    awaitState(starter, Thread.State.WAITING);
    assertThat(started.get()).as("no process started while libxl may fork").isNull();
    assertThat(fence.active(Kind.MONITOR)).isZero();

    fence.exit(Kind.SPAWN);
    starter.join(10_000);
    assertThat(failed.get()).isNull();
    assertThat(started.get()).isNotNull();
    assertThat(started.get().waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(started.get().exitValue()).isZero();
    assertThat(fence.active(Kind.MONITOR)).as("the fence is left once the process has started").isZero();
  }

  @Test
  void theBackendRoutesXlsnapsOwnProcessStartsThroughTheFence() throws Exception {
    try {
      // what is under test is the constructor itself: every backend instance installs the JVM-wide guard
      // (no libxl context is needed for that, and none is used here)
      new LibxlHypervisor(null);
      ChildFds.PROCESS.enter(Kind.SPAWN);
      AtomicReference<Process> started = new AtomicReference<>();
      Thread starter = new Thread(() -> {
        try {
          started.set(io.github.xlsnap.core.spi.ChildProcesses.start(new ProcessBuilder("true")));
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      starter.start();
      awaitState(starter, Thread.State.WAITING);
      assertThat(started.get()).isNull();
      ChildFds.PROCESS.exit(Kind.SPAWN);
      starter.join(10_000);
      assertThat(started.get()).isNotNull();
      assertThat(started.get().waitFor(10, TimeUnit.SECONDS)).isTrue();
    } finally {
      io.github.xlsnap.core.spi.ChildProcesses.uninstall();
    }
  }

  @Test
  void operationsOfOneKindRunTogetherAndAWaitingKindGetsItsTurn() throws Exception {
    ChildFds fence = new ChildFds();
    fence.enter(Kind.SPAWN);
    fence.enter(Kind.SPAWN);
    assertThat(fence.active(Kind.SPAWN)).isEqualTo(2);

    CountDownLatch monitorIn = new CountDownLatch(1);
    Thread monitor = new Thread(() -> {
      fence.enterMonitor();
      monitorIn.countDown();
    });
    monitor.start();
    awaitState(monitor, Thread.State.WAITING);
    // a monitor waits: a new spawner must not overtake it for ever
    fence.exit(Kind.SPAWN);
    CountDownLatch spawnIn = new CountDownLatch(1);
    Thread spawner = new Thread(() -> {
      fence.enter(Kind.SPAWN);
      spawnIn.countDown();
      fence.exit(Kind.SPAWN);
    });
    fence.exit(Kind.SPAWN);
    assertThat(monitorIn.await(10, TimeUnit.SECONDS)).isTrue();
    spawner.start();
    awaitState(spawner, Thread.State.WAITING);
    fence.exitMonitor();
    assertThat(spawnIn.await(10, TimeUnit.SECONDS)).isTrue();
    spawner.join();
  }

  /**
   * The descriptors above 2 of this process that are not close-on-exec, each with what it is open to,
   * except the one listing {@code /proc/self/fd} for this.
   */
  static java.util.List<String> inheritableFds() throws Exception {
    java.util.List<String> inheritable = new java.util.ArrayList<>();
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path p : (Iterable<Path>) fds::iterator) {
        int fd = Integer.parseInt(p.getFileName().toString());
        try {
          Path target = Files.readSymbolicLink(p);
          if (fd > 2 && !target.toString().matches("/proc/\\d+/fd") && !ChildFds.isCloseOnExec(fd)) {
            inheritable.add(fd + " -> " + target);
          }
        } catch (java.io.IOException gone) {
          // closed since it was listed
        }
      }
    }
    return inheritable;
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Waits until a thread blocks in {@code wait()} (the fence), or fails after 10 s. */
  /**
   * Operations that may start processes run together, so the listing one of them makes to mark the
   * descriptors must not itself open one a child of another could inherit (run 33 of the real-xen stage:
   * a QEMU inherited the JDK directory stream's descriptor of /proc/self/fd). While one thread marks over
   * and over, another lists the open descriptors the whole time and looks for one without close-on-exec
   * that is a listing of /proc/&lt;pid&gt;/fd.
   */
  @Test
  void markingOpensNoDescriptorWithoutCloseOnExec() throws Exception {
    var libc = ChildFds.libc();
    ChildFds.closeOnExecAll("before");
    AtomicInteger rounds = new AtomicInteger();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Thread marker = new Thread(() -> {
      try {
        for (int i = 0; i < 2000; i++) {
          ChildFds.closeOnExecAll("test");
          rounds.incrementAndGet();
        }
      } catch (Throwable t) {
        failed.set(t);
      }
    });
    java.util.Set<String> inheritable = new java.util.TreeSet<>();
    int scans = 0;
    marker.start();
    while (marker.isAlive()) {
      for (int fd : ChildFds.openDescriptors(libc)) {
        int flags = libc.fcntl(fd, io.github.xlsnap.libxl.internal.Libc.F_GETFD, 0);
        if (fd > 2 && flags >= 0 && (flags & io.github.xlsnap.libxl.internal.Libc.FD_CLOEXEC) == 0) {
          try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            // read again: the number may have been closed and taken by another descriptor between the two
            // reads (the marker's own listing is close-on-exec); a leak stays open for a whole listing
            int again = libc.fcntl(fd, io.github.xlsnap.libxl.internal.Libc.F_GETFD, 0);
            String still = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            if (target.matches("/proc/\\d+/fd") && again >= 0
                && (again & io.github.xlsnap.libxl.internal.Libc.FD_CLOEXEC) == 0 && still.equals(target)) {
              inheritable.add(fd + " -> " + target);
            }
          } catch (java.io.IOException closedMeanwhile) {
            // gone since it was listed
          }
        }
      }
      scans++;
    }
    marker.join();
    assertThat(failed.get()).isNull();
    assertThat(rounds.get()).isEqualTo(2000);
    assertThat(scans).isPositive();
    assertThat(inheritable).as("listings of /proc/<pid>/fd open without close-on-exec, in %d scans", scans).isEmpty();
  }

  private static void awaitState(Thread t, Thread.State state) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (t.getState() != state) {
      if (System.nanoTime() > end) {
        throw new AssertionError(t + " is " + t.getState() + ", not " + state);
      }
      Thread.onSpinWait();
    }
  }
}
