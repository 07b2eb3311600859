package io.github.xlsnap.store;

import static io.github.xlsnap.store.Fixtures.DOMAIN;
import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.DomainBusyException;
import io.github.xlsnap.core.OperationCancelledException;
import io.github.xlsnap.core.spi.SnapshotStore.Lease;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The domain's lease, held for a manager's whole operation, excludes only other leases: loads, by
 * other threads and other processes, go on while it is held; a second lease waits until its timeout
 * and fails typed, naming the holder; a waiter that is interrupted fails typed, its interrupt status
 * set. (Time bounds below are failure bounds, never waits for something to happen.)
 */
class LeaseTest {
  @TempDir Path tmp;

  private JsonSnapshotStore store() {
    return JsonSnapshotStore.open(tmp.resolve("root"));
  }

  /** A child process of {@link StoreChildProcess}, with its stdout readable line by line. */
  private record Child(Process process, BufferedReader out) implements AutoCloseable {
    static Child start(String... args) throws Exception {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-cp", System.getProperty("java.class.path"), "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
          StoreChildProcess.class.getName()));
      cmd.addAll(List.of(args));
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      return new Child(p, new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8)));
    }

    String line() throws Exception {
      String l = out.readLine();
      assertThat(l).as("a line from the child").isNotNull();
      return l;
    }

    @Override
    public void close() throws Exception {
      process.getOutputStream().close(); // a holder releases its lease and exits
      assertThat(process.waitFor(60, SECONDS)).isTrue();
    }
  }

  @Test
  void aLoadFromAnotherThreadCompletesWhileALeaseIsHeld() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 2));
    try (Lease lease = s.lockDomain(DOMAIN, Duration.ZERO)) {
      CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> store().load(DOMAIN).snapshots().size());
      assertThat(other.get(60, SECONDS)).isEqualTo(2);
      // the holder's own load and save take the short lock, as everyone's do
      s.save(Fixtures.chain(DOMAIN, 3));
      assertThat(s.load(DOMAIN)).isEqualTo(Fixtures.chain(DOMAIN, 3));
      assertThat(CompletableFuture.supplyAsync(() -> s.check(DOMAIN)).get(60, SECONDS)).isEmpty();
    }
  }

  @Test
  void aLoadFromAnotherProcessCompletesWhileALeaseIsHeld() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 2));
    try (Lease lease = s.lockDomain(DOMAIN, Duration.ZERO);
        Child child = Child.start("load", s.root().toString(), DOMAIN.toString())) {
      assertThat(child.line()).isEqualTo("LOADED 2");
    }
  }

  @Test
  void aSecondLeaseFromAnotherThreadTimesOutNamingTheHolder() throws Exception {
    JsonSnapshotStore s = store();
    String name = Thread.currentThread().getName();
    Thread.currentThread().setName("lease-holder");
    try (Lease lease = s.lockDomain(DOMAIN, Duration.ZERO)) {
      CompletableFuture<Throwable> second = CompletableFuture.supplyAsync(() -> {
        try (Lease l = store().lockDomain(DOMAIN, Duration.ofMillis(50))) {
          return null;
        } catch (RuntimeException e) {
          return e;
        }
      });
      assertThat(second.get(60, SECONDS)).isInstanceOfSatisfying(DomainBusyException.class, e -> {
        assertThat(e.domain()).isEqualTo(DOMAIN.toString());
        assertThat(e.waited()).isGreaterThanOrEqualTo(Duration.ofMillis(50));
        assertThat(e.getMessage()).contains("another thread of this process (lease-holder)");
      });
    } finally {
      Thread.currentThread().setName(name);
    }
    CompletableFuture<Boolean> again = CompletableFuture.supplyAsync(() -> {
      try (Lease l = store().lockDomain(DOMAIN, Duration.ZERO)) {
        return true; // released: another thread takes it at once
      }
    });
    assertThat(again.get(60, SECONDS)).isTrue();
  }

  @Test
  void leasesOfTwoProcessesExcludeEachOtherAndLoadsGoOn() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 1));
    try (Child holder = Child.start("hold", s.root().toString(), DOMAIN.toString())) {
      assertThat(holder.line()).isEqualTo("HELD");
      assertThatThrownBy(() -> s.lockDomain(DOMAIN, Duration.ofMillis(100)))
          .isInstanceOfSatisfying(DomainBusyException.class, e -> assertThat(e.getMessage())
              .contains("another process (pid " + holder.process().pid() + ")"));
      assertThat(s.load(DOMAIN)).isEqualTo(Fixtures.chain(DOMAIN, 1));
      s.save(Fixtures.chain(DOMAIN, 2)); // a save without a lease waits only for commits, too
    }
    try (Lease lease = s.lockDomain(DOMAIN, Duration.ZERO);
        Child other = Child.start("lease", s.root().toString(), DOMAIN.toString(), "100")) {
      assertThat(other.line()).startsWith("BUSY").contains("another process (pid " + ProcessHandle.current().pid() + ")");
    }
  }

  /** Starts a thread that waits for the lease, waits until it waits, interrupts it and returns what it met. */
  private static Throwable interruptedWaiter(JsonSnapshotStore s) throws Exception {
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean flagSet = new AtomicBoolean();
    Thread waiter = new Thread(() -> {
      try (Lease l = s.lockDomain(DOMAIN, Duration.ofHours(1))) {
        thrown.set(new AssertionError("took the lease"));
      } catch (Throwable e) {
        thrown.set(e);
        flagSet.set(Thread.currentThread().isInterrupted());
      }
    });
    waiter.start();
    while (waiter.getState() != Thread.State.TIMED_WAITING && waiter.isAlive()) {
      Thread.onSpinWait(); // until it parks or sleeps in its wait
    }
    waiter.interrupt();
    waiter.join(60_000);
    assertThat(waiter.isAlive()).isFalse();
    assertThat(flagSet).as("interrupt status set again").isTrue();
    return thrown.get();
  }

  @Test
  void aWaiterInterruptedWhileAnotherThreadHoldsTheLeaseFailsTypedWithItsFlagSet() throws Exception {
    JsonSnapshotStore s = store();
    try (Lease lease = s.lockDomain(DOMAIN, Duration.ZERO)) {
      assertThat(interruptedWaiter(s)).isInstanceOf(OperationCancelledException.class).hasMessageContaining(DOMAIN.toString());
    }
  }

  @Test
  void aWaiterInterruptedWhileAnotherProcessHoldsTheLeaseFailsTypedWithItsFlagSet() throws Exception {
    JsonSnapshotStore s = store();
    s.save(Fixtures.chain(DOMAIN, 1));
    try (Child holder = Child.start("hold", s.root().toString(), DOMAIN.toString())) {
      assertThat(holder.line()).isEqualTo("HELD");
      assertThat(interruptedWaiter(s)).isInstanceOf(OperationCancelledException.class);
    }
  }
}
