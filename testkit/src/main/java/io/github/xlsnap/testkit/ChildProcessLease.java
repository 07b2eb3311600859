package io.github.xlsnap.testkit;

import io.github.xlsnap.core.spi.SnapshotStore;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * A lease on a domain held by another JVM, until closed: how {@link SnapshotStoreContract} checks that
 * a store's leases exclude other processes. The store's contract test returns one from
 * {@link SnapshotStoreContract#holdLeaseInAnotherProcess}, started with {@link #start} on a small main
 * class of its own tests that opens the store and calls {@link #holdUntilReleased}:
 *
 * <pre>{@code
 * final class MyStoreLeaseHolder {
 *   public static void main(String[] args) {
 *     ChildProcessLease.holdUntilReleased(MyStore.open(Path.of(args[0])), UUID.fromString(args[1]));
 *   }
 * }
 * }</pre>
 *
 * <p>The child runs with this JVM's class path; it prints {@value #HELD} once it holds the lease and
 * releases it when a line (or the end of input) arrives on its standard input. Used by one thread.
 */
public final class ChildProcessLease implements AutoCloseable {
  /** The line the child prints once it holds the lease. */
  public static final String HELD = "HELD";
  /** The line the child prints once it has released the lease, before it exits. */
  public static final String RELEASED = "RELEASED";
  /** How long the child may take to start and take the lease, or to release it and exit. */
  private static final Duration STEP = Duration.ofSeconds(60);

  private final Process process;
  private final BufferedReader out;
  private final Path errors;
  private boolean closed;

  private ChildProcessLease(Process process, Path errors) {
    this.process = process;
    this.out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.errors = errors;
  }

  /**
   * Starts {@code mainClass} in a new JVM with this JVM's class path and the arguments
   * {@code storeDirectory domain}, and returns once the child holds the lease.
   *
   * @param mainClass a class whose {@code main} opens the store at its first argument and calls
   *     {@link #holdUntilReleased} with it and the domain of its second argument
   * @param storeDirectory the store's directory
   * @param domain the domain to hold
   * @return the held lease; closing it makes the child release the lease and exit
   * @throws IOException if the child cannot be started
   * @throws IllegalStateException if the child exits, or does not hold the lease within a minute
   */
  public static ChildProcessLease start(Class<?> mainClass, Path storeDirectory, UUID domain) throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), mainClass.getName(),
        storeDirectory.toAbsolutePath().toString(), domain.toString()));
    Path errors = Files.createTempFile("xlsnap-lease-child-", ".err");
    Process process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
    ChildProcessLease lease = new ChildProcessLease(process, errors);
    try {
      lease.expect(HELD);
    } catch (RuntimeException e) {
      process.destroyForcibly();
      Files.deleteIfExists(errors);
      throw e;
    }
    return lease;
  }

  /**
   * The child's side: takes a lease of {@code domain} in {@code store}, prints {@value #HELD} on
   * standard output, waits for a line (or the end of input) on standard input, closes the lease, and
   * prints {@value #RELEASED}.
   *
   * @param store the store, opened by the child
   * @param domain the domain to hold
   * @throws UncheckedIOException if standard input cannot be read
   */
  public static void holdUntilReleased(SnapshotStore store, UUID domain) {
    PrintStream stdout = System.out;
    BufferedReader stdin = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (SnapshotStore.Lease lease = store.lockDomain(domain, STEP)) {
      stdout.println(HELD);
      stdout.flush();
      stdin.readLine();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the parent's release line", e);
    }
    stdout.println(RELEASED);
    stdout.flush();
  }

  /**
   * Tells the child to release the lease and waits until it has and has exited.
   *
   * @throws IllegalStateException if the child does not release the lease and exit within a minute,
   *     or exits with a failure (it is killed then)
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      Writer in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
      in.write("release\n");
      in.close();
      expect(RELEASED);
      if (!process.waitFor(STEP.toSeconds(), TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException("the lease holder did not exit cleanly" + errors());
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot tell the lease holder to release" + errors(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while the lease holder released", e);
    } finally {
      process.destroyForcibly();
      try {
        Files.deleteIfExists(errors);
      } catch (IOException e) {
        // a temporary file left behind
      }
    }
  }

  /** Reads the child's next line, which must be {@code expected}, waiting a minute at most. */
  private void expect(String expected) {
    CompletableFuture<@Nullable String> line = CompletableFuture.supplyAsync(() -> {
      try {
        return out.readLine();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    String got;
    try {
      got = line.get(STEP.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the lease holder did not print " + expected + " within " + STEP + errors(), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("cannot read the lease holder's output" + errors(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the lease holder", e);
    }
    if (!expected.equals(got)) {
      throw new IllegalStateException("the lease holder printed " + got + " instead of " + expected + errors());
    }
  }

  private String errors() {
    try {
      String text = Files.readString(errors);
      return text.isBlank() ? "" : "; its standard error:\n" + text;
    } catch (IOException e) {
      return "; its standard error is unreadable: " + e;
    }
  }
}
