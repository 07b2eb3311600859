package io.github.xlsnap.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DomainBusyException;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.FileStamp;
import io.github.xlsnap.core.InvalidSnapshotSpecException;
import io.github.xlsnap.core.OperationCancelledException;
import io.github.xlsnap.core.ShutdownReason;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotNames;
import io.github.xlsnap.core.XlsnapException;
import io.github.xlsnap.core.XlsnapIOException;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The contract every {@link SnapshotStore} must meet, as tests: extend this class in the store's test
 * sources and implement {@link #openStore}. Each test states a promise of the SPI's documentation
 * (saves atomic and whole, what a failed call means, intents, leases, names at the limit, corrupt
 * input) and fails if it breaks.
 *
 * <p>What a store does not promise, it says by overriding: {@link #isDurable()} (false: a store
 * reopened on the same directory does not see what another instance saved) and {@link #holdsLeases()}
 * (false: {@link SnapshotStore#lockDomain} holds nothing, the SPI's default for a store used by one
 * process). The tests that need a hook run only where the store's test provides it:
 * {@link #faults} (failing the store's I/O), {@link #holdLeaseInAnotherProcess} and {@link #corrupt}.
 * Tests that need what a store lacks are skipped with the reason (a JUnit assumption), never passed.
 *
 * <pre>{@code
 * class MyStoreContractTest extends SnapshotStoreContract {
 *   @Override
 *   protected SnapshotStore openStore(Path directory) {
 *     return MyStore.open(directory);
 *   }
 * }
 * }</pre>
 *
 * <p>Test methods are public so that subclasses in other packages inherit them. JUnit makes one
 * instance per test; an instance is not for use by several threads (its tests start their own).
 */
public abstract class SnapshotStoreContract {
  /** How long a call that must not wait may take before the test calls it stuck. */
  private static final Duration BOUND = Duration.ofSeconds(20);
  /** The timeout of a lease request that must give up. */
  private static final Duration SHORT = Duration.ofMillis(200);
  private static final Instant T0 = Instant.parse("2026-11-25T22:31:05.123456789Z");
  private static final UUID DOMAIN = UUID.fromString("5e9e4b3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
  private static final UUID OTHER = UUID.fromString("0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");

  private Path root = Path.of("");
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "store-contract");
    t.setDaemon(true);
    return t;
  });
  private final List<AutoCloseable> toClose = new ArrayList<>();

  /** For subclasses. */
  protected SnapshotStoreContract() {}

  /**
   * Opens the store under test in a directory. Opening the same directory again gives a store that
   * sees everything committed there before, if the store {@linkplain #isDurable() is durable}.
   *
   * @param directory an absolute directory, empty the first time; the store may create it
   * @return the store
   * @throws Exception if it cannot be opened
   */
  protected abstract SnapshotStore openStore(Path directory) throws Exception;

  /**
   * Tells whether the store keeps what it committed for other instances opened on the same directory,
   * in this process and others, and across a restart. The default is true; a store that keeps metadata
   * in one instance (such as {@link io.github.xlsnap.core.spi.InMemorySnapshotStore}) returns false,
   * and the tests of reopening, of other processes and of corrupt files are skipped.
   *
   * @return whether the store is durable
   */
  protected boolean isDurable() {
    return true;
  }

  /**
   * Tells whether {@link SnapshotStore#lockDomain} holds a lease that excludes other leases. The
   * default is true; a store used by one process may keep the SPI's default, which holds nothing, and
   * return false: the tests of leases are skipped.
   *
   * @return whether the store's leases exclude each other
   */
  protected boolean holdsLeases() {
    return true;
  }

  /**
   * Returns the hook that fails the I/O of a store that {@link #openStore} returned, if the store's
   * test offers one; without it the tests of failed calls are skipped.
   *
   * @param store a store from {@link #openStore}
   * @return its fault hook, empty (the default) if none
   */
  protected Optional<StoreFaults> faults(SnapshotStore store) {
    return Optional.empty();
  }

  /**
   * Starts another process that opens the store in {@code directory} and holds a lease on
   * {@code domain} until the returned lease is closed (see {@link ChildProcessLease}). Without it
   * (the default) the tests between processes are skipped.
   *
   * @param directory the store's directory
   * @param domain the domain to hold
   * @return the lease held by the other process, empty if the store's test cannot start one
   * @throws Exception if the process cannot be started
   */
  protected Optional<ChildProcessLease> holdLeaseInAnotherProcess(Path directory, UUID domain) throws Exception {
    return Optional.empty();
  }

  /**
   * Damages the stored form of a domain's metadata in {@code directory}, as a disk error or a foreign
   * writer would, so that loading the domain must fail. Without it (the default) the test of corrupt
   * input is skipped.
   *
   * @param directory the store's directory, where a store has saved the domain's metadata
   * @param domain the domain
   * @return the file damaged, which the load's error must name; empty if the store's test cannot
   *     damage one
   * @throws Exception if the file cannot be damaged
   */
  protected Optional<Path> corrupt(Path directory, UUID domain) throws Exception {
    return Optional.empty();
  }

  /**
   * The tests this store is known to fail today, by method name, each with why: they are skipped with
   * that reason instead of run. A transition aid while a store is brought up to its contract, to be
   * emptied as it is; the default, for a store that meets its contract, is none.
   *
   * @return test method names and the reasons they are skipped
   */
  protected Map<String, String> knownViolations() {
    return Map.of();
  }

  /**
   * Takes the directory the test's stores live under, and skips a test listed in
   * {@link #knownViolations()}.
   *
   * @param directory a fresh temporary directory
   * @param test the test about to run
   */
  @BeforeEach
  public void prepare(@TempDir Path directory, TestInfo test) {
    root = directory.toAbsolutePath();
    String name = test.getTestMethod().map(java.lang.reflect.Method::getName).orElse("");
    String why = knownViolations().get(name);
    assumeFalse(why != null, () -> "known violation of the contract by this store, listed in knownViolations(): " + why);
  }

  /**
   * Releases the leases the test's threads and processes still hold, then stops the threads.
   *
   * @throws Exception if a lease cannot be released
   */
  @AfterEach
  public void release() throws Exception {
    try {
      for (int i = toClose.size() - 1; i >= 0; i--) {
        toClose.get(i).close();
      }
    } finally {
      threads.shutdownNow();
    }
  }

  // ---------------------------------------------------------------------------------------------
  // saving, loading, listing

  /**
   * A domain never saved loads as empty metadata and has no intent.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void anUnknownDomainLoadsEmptyWithNoIntent() throws Exception {
    SnapshotStore store = open("store");

    assertThat(store.load(DOMAIN)).isEqualTo(DomainMetadata.empty(DOMAIN));
    assertThat(store.loadIntent(DOMAIN)).isEmpty();
    assertThat(store.domains()).isEmpty();
  }

  /**
   * Saved metadata loads back equal from the same store, and again after another save replaced it.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void savedMetadataLoadsBackEqual() throws Exception {
    SnapshotStore store = open("store");
    DomainMetadata first = chain(DOMAIN, 3, "first");
    DomainMetadata second = chain(DOMAIN, 5, "second");

    store.save(first);
    assertThat(store.load(DOMAIN)).isEqualTo(first);
    store.save(second);
    assertThat(store.load(DOMAIN)).isEqualTo(second);
  }

  /**
   * Snapshots using every field (every disk mode and format, memory image and stamps, a description
   * with quotes, newlines and non-ASCII text, a time to the nanosecond, every state flag) in a branched
   * tree with owned images round-trip equal, in the same store and in a reopened one.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void snapshotsWithEveryFieldRoundTripEqual() throws Exception {
    SnapshotStore store = open("store");
    DomainMetadata rich = richTree(DOMAIN);

    store.save(rich);

    assertThat(store.load(DOMAIN)).isEqualTo(rich);
    if (isDurable()) {
      assertThat(open("store").load(DOMAIN)).as("loaded by a reopened store").isEqualTo(rich);
    }
  }

  /**
   * Every save committed by one instance is seen by another instance on the same directory, and the
   * other way round, without reopening either.
   *
   * @throws Exception if the stores cannot be opened
   */
  @Test
  public void anotherInstanceSeesEveryCommittedSave() throws Exception {
    assumeDurable();
    SnapshotStore one = open("store");
    SnapshotStore two = open("store");
    DomainMetadata v1 = chain(DOMAIN, 2, "v1");
    DomainMetadata v2 = chain(DOMAIN, 4, "v2");
    DomainMetadata v3 = chain(DOMAIN, 1, "v3");

    one.save(v1);
    assertThat(two.load(DOMAIN)).isEqualTo(v1);
    one.save(v2);
    assertThat(two.load(DOMAIN)).isEqualTo(v2);
    two.save(v3);
    assertThat(one.load(DOMAIN)).isEqualTo(v3);
    assertThat(one.domains()).containsExactly(DOMAIN);
  }

  /**
   * Saving metadata with no snapshots and no owned images removes the domain: it is no longer listed,
   * and loads as empty, also from a reopened store.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void savingEmptyMetadataRemovesTheDomain() throws Exception {
    SnapshotStore store = open("store");
    store.save(chain(DOMAIN, 2, "x"));
    store.save(chain(OTHER, 1, "y"));

    store.save(DomainMetadata.empty(DOMAIN));

    assertThat(store.domains()).containsExactly(OTHER);
    assertThat(store.load(DOMAIN)).isEqualTo(DomainMetadata.empty(DOMAIN));
    if (isDurable()) {
      SnapshotStore reopened = open("store");
      assertThat(reopened.domains()).containsExactly(OTHER);
      assertThat(reopened.load(DOMAIN)).isEqualTo(DomainMetadata.empty(DOMAIN));
    }
  }

  /**
   * {@link SnapshotStore#domains} lists a domain with snapshots, a domain with owned images only, and
   * a domain that has only a pending intent (so that {@code recoverAll} finds an operation interrupted
   * before its first save), and stops listing the last once its intent is cleared.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void domainsListsDomainsWithSnapshotsOrOwnedImagesOrOnlyAPendingIntent() throws Exception {
    SnapshotStore store = open("store");
    UUID imagesOnly = UUID.fromString("77777777-8888-4999-aaaa-bbbbbbbbbbbb");
    store.save(chain(DOMAIN, 1, "x"));
    store.save(new DomainMetadata(imagesOnly, List.of(), Optional.empty(), Set.of(Path.of("/img/left-over.qcow2"))));
    store.saveIntent(OTHER, Optional.of("create s1"));

    assertThat(store.domains()).containsExactlyInAnyOrder(DOMAIN, imagesOnly, OTHER);
    store.saveIntent(OTHER, Optional.empty());
    assertThat(store.domains()).containsExactlyInAnyOrder(DOMAIN, imagesOnly);
  }

  /**
   * Saves and intents of one domain change nothing of another.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void domainsAreIndependent() throws Exception {
    SnapshotStore store = open("store");
    DomainMetadata other = chain(OTHER, 2, "other");
    store.save(other);
    store.saveIntent(OTHER, Optional.of("other's intent"));

    store.save(chain(DOMAIN, 3, "mine"));
    store.saveIntent(DOMAIN, Optional.of("mine"));
    store.save(DomainMetadata.empty(DOMAIN));
    store.saveIntent(DOMAIN, Optional.empty());

    assertThat(store.load(OTHER)).isEqualTo(other);
    assertThat(store.loadIntent(OTHER)).contains("other's intent");
  }

  /**
   * {@link SnapshotStore#dataDirectory} is absolute and differs between domains.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void dataDirectoryIsAbsoluteAndPerDomain() throws Exception {
    SnapshotStore store = open("store");

    assertThat(store.dataDirectory(DOMAIN)).isAbsolute().isNotEqualTo(store.dataDirectory(OTHER));
    assertThat(store.dataDirectory(OTHER)).isAbsolute();
  }

  // ---------------------------------------------------------------------------------------------
  // atomicity

  /**
   * A reader thread looping on {@link SnapshotStore#load} while a writer saves two large versions in
   * turn (the same snapshot names with other contents, and more of them in one) sees only whole
   * versions, never a mix of the two.
   *
   * @throws Exception if the store cannot be opened or a thread fails
   */
  @Test
  public void aReaderLoopingOnLoadSeesOnlyWholeVersions() throws Exception {
    SnapshotStore store = open("store");
    DomainMetadata a = chain(DOMAIN, 48, "version A");
    DomainMetadata b = new DomainMetadata(DOMAIN, chain(DOMAIN, 64, "version B").snapshots(), Optional.of("s30"),
        Set.of(Path.of("/img/b.qcow2")));
    store.save(a);
    AtomicBoolean writing = new AtomicBoolean(true);
    CountDownLatch reading = new CountDownLatch(1);
    Future<Integer> reader = threads.submit(() -> {
      int loads = 0;
      do {
        DomainMetadata seen = store.load(DOMAIN);
        loads++;
        reading.countDown();
        if (!seen.equals(a) && !seen.equals(b)) {
          throw new AssertionError("load " + loads + " saw neither version: " + describe(seen));
        }
      } while (writing.get());
      return loads;
    });

    try {
      assertThat(reading.await(BOUND.toSeconds(), TimeUnit.SECONDS)).as("the reader's first load returned").isTrue();
      for (int i = 0; i < 12; i++) {
        store.save(b);
        store.save(a);
      }
    } finally {
      writing.set(false);
    }
    assertThat(within("the reader", reader)).isPositive();
  }

  // ---------------------------------------------------------------------------------------------
  // what a failed call means

  /**
   * For every I/O step of a save, failed on purpose: a save that threw committed nothing (the same
   * store and a reopened one load the old metadata), a save that returned committed everything (both
   * load the new), and the same store's next save works. Needs {@link #faults}.
   *
   * @throws Exception if a store cannot be opened
   */
  @Test
  public void aSaveThatThrowsCommittedNothingAndOneThatReturnsCommittedEverything() throws Exception {
    DomainMetadata before = chain(DOMAIN, 3, "before");
    // s0 -> s1 -> s3: s2 deleted, s3 added, s1 rewritten (its children), current and owned images changed
    DomainMetadata after = new DomainMetadata(DOMAIN, List.of(before.snapshots().get(0),
        plain("s1", Optional.of("s0"), List.of("s3"), "before", 1), plain("s3", Optional.of("s1"), List.of(), "after", 3)),
        Optional.of("s3"), Set.of(Path.of("/img/after.qcow2")));
    DomainMetadata next = chain(DOMAIN, 2, "next");
    everyFailurePoint("save", false, store -> store.save(before), store -> store.save(after),
        store -> store.load(DOMAIN), before, after, store -> {
          store.save(next);
          assertThat(store.load(DOMAIN)).isEqualTo(next);
        });
  }

  /**
   * For every I/O step of a {@link SnapshotStore#saveIntent} that replaces an intent and of one that
   * clears it, failed on purpose: as for a save, a call that threw changed nothing, one that returned
   * changed it, and the next call works. Needs {@link #faults}, and is skipped if they reach no I/O
   * step of an intent.
   *
   * @throws Exception if a store cannot be opened
   */
  @Test
  public void aSaveIntentThatThrowsChangedNothingAndOneThatReturnsChangedIt() throws Exception {
    for (Optional<String> change : List.of(Optional.of("revert s1\nstep 2"), Optional.<String>empty())) {
      everyFailurePoint("saveIntent " + change, true, store -> store.saveIntent(DOMAIN, Optional.of("create s0")),
          store -> store.saveIntent(DOMAIN, change), store -> store.loadIntent(DOMAIN), Optional.of("create s0"),
          change, store -> {
            store.saveIntent(DOMAIN, Optional.of("next"));
            assertThat(store.loadIntent(DOMAIN)).contains("next");
          });
    }
  }

  /**
   * A save whose I/O fails throws an {@link XlsnapIOException} naming the file, as the SPI documents.
   * Needs {@link #faults}.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void aSaveWhoseIoFailsThrowsAnXlsnapIOExceptionNamingTheFile() throws Exception {
    SnapshotStore store = open("store");
    StoreFaults faults = assumeFaults(store);
    store.save(chain(DOMAIN, 1, "before"));

    faults.failNextIo(1);
    Throwable thrown = catchThrowable(() -> store.save(chain(DOMAIN, 2, "after")));
    faults.clear();

    assertThat(thrown).as("the save's first I/O step failed").isNotNull();
    assertThat(thrown).isInstanceOf(XlsnapIOException.class);
    assertThat(((XlsnapIOException) thrown).file()).as("the file named").isPresent();
  }

  // ---------------------------------------------------------------------------------------------
  // intents

  /**
   * An intent is saved, loaded back, and cleared.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void anIntentIsSavedLoadedAndCleared() throws Exception {
    SnapshotStore store = open("store");

    store.saveIntent(DOMAIN, Optional.of("create s1"));
    assertThat(store.loadIntent(DOMAIN)).contains("create s1");
    store.saveIntent(DOMAIN, Optional.empty());
    assertThat(store.loadIntent(DOMAIN)).isEmpty();
    store.saveIntent(DOMAIN, Optional.empty());
    assertThat(store.loadIntent(DOMAIN)).as("clearing twice").isEmpty();
  }

  /**
   * A domain has one intent, the last saved; another domain's is its own.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void aDomainHasOneIntentTheLastSaved() throws Exception {
    SnapshotStore store = open("store");

    store.saveIntent(DOMAIN, Optional.of("create s1"));
    store.saveIntent(OTHER, Optional.of("delete s9"));
    store.saveIntent(DOMAIN, Optional.of("revert s0"));

    assertThat(store.loadIntent(DOMAIN)).contains("revert s0");
    assertThat(store.loadIntent(OTHER)).contains("delete s9");
  }

  /**
   * An intent's text is kept verbatim: non-ASCII letters, characters outside the Basic Multilingual
   * Plane, line breaks of both kinds, a trailing newline, backslashes, quotes and the characters of
   * properties and JSON syntax; also by a reopened store.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void anIntentsTextIsKeptVerbatim() throws Exception {
    SnapshotStore store = open("store");
    String text = "op=revert\nname=caf\u00e9 \u65e5\u672c \ud83d\ude00\r\n  key : value # not a comment\n"
        + "path=C:\\dir\\file \"quoted\" {\"json\": [1]}\t=\\u0041\n\n";

    store.saveIntent(DOMAIN, Optional.of(text));

    assertThat(store.loadIntent(DOMAIN)).contains(text);
    if (isDurable()) {
      assertThat(open("store").loadIntent(DOMAIN)).as("loaded by a reopened store").contains(text);
    }
  }

  /**
   * Intents survive reopening the store, and so does their clearing.
   *
   * @throws Exception if the stores cannot be opened
   */
  @Test
  public void intentsSurviveReopening() throws Exception {
    assumeDurable();
    SnapshotStore store = open("store");
    store.saveIntent(DOMAIN, Optional.of("create s1"));
    store.saveIntent(OTHER, Optional.of("delete s2"));

    assertThat(open("store").loadIntent(DOMAIN)).contains("create s1");
    store.saveIntent(OTHER, Optional.empty());
    SnapshotStore reopened = open("store");
    assertThat(reopened.loadIntent(OTHER)).isEmpty();
    assertThat(reopened.loadIntent(DOMAIN)).contains("create s1");
  }

  // ---------------------------------------------------------------------------------------------
  // leases

  /**
   * Two leases on one domain, from two threads, exclude each other: while one thread holds it, the
   * other's request with a zero timeout fails, and a waiting request gets the lease only after the
   * holder released it. Needs {@link #holdsLeases()}.
   *
   * @throws Exception if the store cannot be opened or a thread fails
   */
  @Test
  public void twoLeasesOnOneDomainFromTwoThreadsExcludeEachOther() throws Exception {
    assumeLeases();
    SnapshotStore store = open("store");
    HeldByAnotherThread holder = holdInAnotherThread(store, DOMAIN);

    assertThat(catchThrowable(() -> within("lockDomain with a zero timeout while another thread holds the lease",
        threads.submit(() -> lockAndClose(store, DOMAIN, Duration.ZERO)))))
        .isInstanceOf(DomainBusyException.class);
    AtomicBoolean released = new AtomicBoolean();
    Future<Boolean> waiter = threads.submit(() -> {
      try (SnapshotStore.Lease lease = store.lockDomain(DOMAIN, BOUND)) {
        return released.get();
      }
    });
    released.set(true);
    holder.close();
    assertThat(within("a waiting lockDomain after the holder released", waiter))
        .as("the waiter got the lease only after the holder released it").isTrue();
  }

  /**
   * A lease on one domain does not make a lease on another domain wait.
   *
   * @throws Exception if the store cannot be opened or a thread fails
   */
  @Test
  public void aLeaseOnAnotherDomainDoesNotWait() throws Exception {
    assumeLeases();
    SnapshotStore store = open("store");
    holdInAnotherThread(store, DOMAIN);

    within("lockDomain of another domain with a zero timeout",
        threads.submit(() -> lockAndClose(store, OTHER, Duration.ZERO)));
  }

  /**
   * {@link SnapshotStore#lockDomain} with a short timeout throws {@link DomainBusyException} when the
   * timeout passes while another thread holds the lease.
   *
   * @throws Exception if the store cannot be opened or a thread fails
   */
  @Test
  public void lockDomainThrowsDomainBusyWhenItsTimeoutPasses() throws Exception {
    assumeLeases();
    SnapshotStore store = open("store");
    holdInAnotherThread(store, DOMAIN);

    assertThat(catchThrowable(() -> within("lockDomain with a timeout of " + SHORT.toMillis() + " ms",
        threads.submit(() -> lockAndClose(store, DOMAIN, SHORT))))).isInstanceOf(DomainBusyException.class);
  }

  /**
   * A thread interrupted while it waits in {@link SnapshotStore#lockDomain} gets an
   * {@link OperationCancelledException}, with its interrupt status set again.
   *
   * @throws Exception if the store cannot be opened or a thread fails
   */
  @Test
  public void anInterruptedWaiterThrowsOperationCancelledWithItsInterruptStatusSet() throws Exception {
    assumeLeases();
    SnapshotStore store = open("store");
    holdInAnotherThread(store, DOMAIN);
    CompletableFuture<String> outcome = new CompletableFuture<>();
    Thread waiter = new Thread(() -> {
      try (SnapshotStore.Lease lease = store.lockDomain(DOMAIN, BOUND.multipliedBy(3))) {
        outcome.complete("got the lease while another thread held it");
      } catch (OperationCancelledException e) {
        outcome.complete(Thread.currentThread().isInterrupted() ? "cancelled, interrupted"
            : "cancelled, but the interrupt status is clear");
      } catch (RuntimeException e) {
        outcome.complete("threw " + e);
      }
    }, "store-contract-waiter");
    waiter.setDaemon(true);
    waiter.start();
    awaitWaiting(waiter);

    waiter.interrupt();

    assertThat(within("lockDomain after its thread was interrupted", outcome)).isEqualTo("cancelled, interrupted");
  }

  /**
   * A {@link SnapshotStore#load} by a thread that holds no lease completes while another thread holds
   * the domain's lease, and sees the last committed metadata: reads never wait behind an operation.
   *
   * @throws Exception if the store cannot be opened or a thread fails
   */
  @Test
  public void aLoadFromAnotherThreadCompletesWhileALeaseIsHeld() throws Exception {
    assumeLeases();
    SnapshotStore store = open("store");
    DomainMetadata saved = chain(DOMAIN, 2, "saved");
    store.save(saved);
    holdInAnotherThread(store, DOMAIN);

    assertThat(within("load while another thread holds the lease", threads.submit(() -> store.load(DOMAIN))))
        .isEqualTo(saved);
  }

  /**
   * A lease held by another process excludes this one's, with {@link DomainBusyException} after the
   * timeout, until that process releases it; then it is granted. Needs
   * {@link #holdLeaseInAnotherProcess}.
   *
   * @throws Exception if the store cannot be opened or the other process fails
   */
  @Test
  public void aLeaseHeldByAnotherProcessExcludesThisOneUntilReleased() throws Exception {
    assumeLeases();
    Path directory = directory("store");
    SnapshotStore store = openStore(directory);
    ChildProcessLease other = assumeOtherProcess(directory, DOMAIN);

    assertThat(catchThrowable(() -> within("lockDomain while another process holds the lease",
        threads.submit(() -> lockAndClose(store, DOMAIN, SHORT))))).isInstanceOf(DomainBusyException.class);
    within("lockDomain of another domain while another process holds one",
        threads.submit(() -> lockAndClose(store, OTHER, Duration.ZERO)));
    other.close();
    within("lockDomain after the other process released", threads.submit(() -> lockAndClose(store, DOMAIN, BOUND)));
  }

  /**
   * A {@link SnapshotStore#load} completes while another process holds the domain's lease, and sees the
   * last committed metadata. Needs {@link #holdLeaseInAnotherProcess}.
   *
   * @throws Exception if the store cannot be opened or the other process fails
   */
  @Test
  public void aLoadCompletesWhileAnotherProcessHoldsTheLease() throws Exception {
    assumeLeases();
    Path directory = directory("store");
    SnapshotStore store = openStore(directory);
    DomainMetadata saved = chain(DOMAIN, 2, "saved");
    store.save(saved);
    assumeOtherProcess(directory, DOMAIN);

    assertThat(within("load while another process holds the lease", threads.submit(() -> store.load(DOMAIN))))
        .isEqualTo(saved);
  }

  // ---------------------------------------------------------------------------------------------
  // names at the limit

  /**
   * A snapshot named with {@link SnapshotNames#MAX_BYTES} bytes of multi-byte UTF-8 (four- and three-
   * byte characters) saves and loads back, also from a reopened store.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void aNameOfTheMaximumLengthInMultiByteUtf8SavesAndLoads() throws Exception {
    String name = longestName();
    assertThat(name.getBytes(StandardCharsets.UTF_8)).hasSize(SnapshotNames.MAX_BYTES);
    SnapshotStore store = open("store");
    DomainMetadata md = new DomainMetadata(DOMAIN,
        List.of(plain("s0", Optional.empty(), List.of(name), "root", 0), plain(name, Optional.of("s0"), List.of(), "long", 1)),
        Optional.of(name), Set.of());

    store.save(md);

    assertThat(store.load(DOMAIN)).isEqualTo(md);
    if (isDurable()) {
      assertThat(open("store").load(DOMAIN)).as("loaded by a reopened store").isEqualTo(md);
    }
  }

  /**
   * A name one byte longer than {@link SnapshotNames#MAX_BYTES} is refused by
   * {@link SnapshotNames#validate} (and so by {@link Snapshot}) before the store is touched: the store
   * still holds what it held.
   *
   * @throws Exception if the store cannot be opened
   */
  @Test
  public void aNameOneByteLongerIsRefusedBeforeTheStoreIsTouched() throws Exception {
    String name = longestName() + "a";
    SnapshotStore store = open("store");
    DomainMetadata md = chain(DOMAIN, 1, "kept");
    store.save(md);

    assertThatThrownBy(() -> SnapshotNames.validate(name)).isInstanceOf(InvalidSnapshotSpecException.class);
    assertThatThrownBy(() -> plain(name, Optional.of("s0"), List.of(), "", 1))
        .isInstanceOf(InvalidSnapshotSpecException.class);

    assertThat(store.load(DOMAIN)).isEqualTo(md);
    assertThat(store.domains()).containsExactly(DOMAIN);
  }

  // ---------------------------------------------------------------------------------------------
  // corrupt input

  /**
   * When a domain's stored metadata is damaged, loading it throws a subclass of
   * {@link XlsnapException} naming the damaged file, and other domains still load. Needs
   * {@link #corrupt} and a durable store.
   *
   * @throws Exception if the store cannot be opened or the file damaged
   */
  @Test
  public void aCorruptDomainFailsToLoadNamingTheFileAndOtherDomainsStillLoad() throws Exception {
    assumeDurable();
    Path directory = directory("store");
    SnapshotStore store = openStore(directory);
    store.save(chain(DOMAIN, 3, "to be damaged"));
    DomainMetadata other = chain(OTHER, 2, "intact");
    store.save(other);
    Optional<Path> damaged = corrupt(directory, DOMAIN);
    assumeTrue(damaged.isPresent(), "the store's test offers no corrupt() hook to damage its stored form");

    SnapshotStore reopened = openStore(directory);
    Throwable thrown = catchThrowable(() -> reopened.load(DOMAIN));

    assertThat(thrown).isInstanceOf(XlsnapException.class).isNotExactlyInstanceOf(XlsnapException.class)
        .hasMessageContaining(damaged.get().toString());
    assertThat(reopened.load(OTHER)).isEqualTo(other);
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  /** What a test does to a store, which may throw anything. */
  @FunctionalInterface
  private interface StoreCall<T> {
    T call(SnapshotStore store) throws Exception;
  }

  /** A call made for its effect. */
  @FunctionalInterface
  private interface StoreAction {
    void run(SnapshotStore store) throws Exception;
  }

  /**
   * Runs {@code change} once per I/O step, failing that step, each time on a fresh store prepared by
   * {@code setup}; checks after each what a failed call means (with {@code read}, which must see
   * {@code before} if the call threw, {@code after} if it returned) and that {@code next} works on the
   * same store, and collects every violation. If the hook reaches no step of the call, the test fails,
   * or with {@code skipIfUnreached} is skipped.
   */
  private <T> void everyFailurePoint(String what, boolean skipIfUnreached, StoreAction setup, StoreAction change,
      StoreCall<T> read, T before, T after, StoreAction next) throws Exception {
    List<String> violations = new ArrayList<>();
    int points = 0;
    for (int n = 1; n < 1000; n++) {
      Path directory = directory(what.replaceAll("\\W", "_") + "-" + n);
      SnapshotStore store = openStore(directory);
      StoreFaults faults = assumeFaults(store);
      setup.run(store);
      faults.failNextIo(n);
      Throwable thrown = catchThrowable(() -> change.run(store));
      boolean injected = faults.injected();
      faults.clear();
      if (!injected) {
        if (thrown != null) {
          violations.add(what + " threw with no failure injected: " + thrown);
        }
        break;
      }
      points++;
      String at = what + ", I/O step " + n + " failed: the call " + (thrown == null ? "returned" : "threw " + thrown);
      T expected = thrown == null ? after : before;
      check(violations, at + ", so the same store must see " + show(expected), read.call(store), expected);
      if (isDurable()) {
        check(violations, at + ", so a reopened store must see " + show(expected), read.call(openStore(directory)),
            expected);
      }
      try {
        next.run(store);
      } catch (Exception | AssertionError e) {
        violations.add(at + "; the same store's next call failed: " + e);
      }
    }
    assumeTrue(points > 0 || !skipIfUnreached,
        () -> "the store's fault hook reaches no I/O step of " + what);
    assertThat(points).as("I/O steps of %s that the fault hook failed", what).isPositive();
    assertThat(violations).as("what failed calls of %s mean", what).isEmpty();
  }

  private static <T> void check(List<String> violations, String what, T seen, T expected) {
    if (!seen.equals(expected)) {
      violations.add(what + ", saw " + show(seen));
    }
  }

  private static String show(Object value) {
    return value instanceof DomainMetadata md ? describe(md) : value.toString();
  }

  private SnapshotStore open(String name) throws Exception {
    return openStore(directory(name));
  }

  private Path directory(String name) {
    return root.resolve(name);
  }

  private void assumeDurable() {
    assumeTrue(isDurable(), "the store is not durable (isDurable() is false): another instance on the same "
        + "directory, another process or a restart does not see what it saved");
  }

  private void assumeLeases() {
    assumeTrue(holdsLeases(), "the store's leases hold nothing (holdsLeases() is false: the SPI's default "
        + "lockDomain, enough for a store used by one process)");
  }

  private StoreFaults assumeFaults(SnapshotStore store) {
    Optional<StoreFaults> faults = faults(store);
    assumeTrue(faults.isPresent(), "the store's test offers no fault hook (faults() is empty): the meaning of a "
        + "failed call cannot be tested");
    return faults.get();
  }

  private ChildProcessLease assumeOtherProcess(Path directory, UUID domain) throws Exception {
    assumeDurable();
    Optional<ChildProcessLease> lease = holdLeaseInAnotherProcess(directory, domain);
    assumeTrue(lease.isPresent(), "the store's test cannot start another process holding a lease "
        + "(holdLeaseInAnotherProcess() is empty)");
    toClose.add(lease.get());
    return lease.get();
  }

  private static Void lockAndClose(SnapshotStore store, UUID domain, Duration timeout) {
    try (SnapshotStore.Lease lease = store.lockDomain(domain, timeout)) {
      return null;
    }
  }

  /** Waits for a call that must complete, {@link #BOUND} at most, and returns its result or rethrows its error. */
  private static <T> T within(String what, Future<T> call) throws Exception {
    try {
      return call.get(BOUND.toSeconds(), TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError(what + " did not return within " + BOUND.toSeconds() + " s", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception x) {
        throw x;
      }
      if (e.getCause() instanceof Error x) {
        throw x;
      }
      throw e;
    }
  }

  /** Waits until a thread waits or is blocked, {@link #BOUND} at most (it is interrupted anyway then). */
  private static void awaitWaiting(Thread thread) {
    long deadline = System.nanoTime() + BOUND.toNanos();
    while (System.nanoTime() < deadline && thread.isAlive()) {
      Thread.State state = thread.getState();
      if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING || state == Thread.State.BLOCKED) {
        return;
      }
      Thread.onSpinWait();
    }
  }

  /** A lease held by a thread of the test until closed (a lease is released by the thread that took it). */
  private final class HeldByAnotherThread implements AutoCloseable {
    private final CountDownLatch release = new CountDownLatch(1);
    private final Future<Void> holding;

    HeldByAnotherThread(SnapshotStore store, UUID domain) throws Exception {
      CountDownLatch held = new CountDownLatch(1);
      holding = threads.submit(() -> {
        try (SnapshotStore.Lease lease = store.lockDomain(domain, BOUND)) {
          held.countDown();
          release.await();
        }
        return null;
      });
      long deadline = System.nanoTime() + BOUND.toNanos();
      while (!held.await(10, TimeUnit.MILLISECONDS)) {
        if (holding.isDone()) {
          within("the holder's lockDomain", holding);
        }
        if (System.nanoTime() > deadline) {
          release.countDown();
          throw new AssertionError("the holder's lockDomain did not return within " + BOUND.toSeconds() + " s");
        }
      }
    }

    @Override
    public void close() throws Exception {
      release.countDown();
      within("the holder's release", holding);
    }
  }

  private HeldByAnotherThread holdInAnotherThread(SnapshotStore store, UUID domain) throws Exception {
    HeldByAnotherThread holder = new HeldByAnotherThread(store, domain);
    toClose.add(holder);
    return holder;
  }

  /** 63 four-byte characters, then a three-byte one: 255 bytes. */
  /** {@link SnapshotNames#MAX_BYTES} bytes of UTF-8: four-byte characters, one three-byte one, ASCII. */
  private static String longestName() {
    int emojis = (SnapshotNames.MAX_BYTES - 3) / 4;
    int rest = SnapshotNames.MAX_BYTES - 4 * emojis - 3;
    return "\ud83d\ude00".repeat(emojis) + "\u65e5" + "a".repeat(rest);
  }

  private static Snapshot plain(String name, Optional<String> parent, List<String> children, String description,
      int second) {
    return new Snapshot(name, T0.plusSeconds(second), description, parent, children, DomainState.RUNNING, false,
        Optional.empty(), Optional.empty(), List.of(DiskSnapshot.none("xvda")));
  }

  /** A chain s0 -> s1 -> ... of {@code n} snapshots described so, the last current. */
  private static DomainMetadata chain(UUID domain, int n, String description) {
    List<Snapshot> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(plain("s" + i, i == 0 ? Optional.empty() : Optional.of("s" + (i - 1)),
          i == n - 1 ? List.of() : List.of("s" + (i + 1)), description, i));
    }
    return new DomainMetadata(domain, all, n == 0 ? Optional.empty() : Optional.of("s" + (n - 1)), Set.of());
  }

  /** root -> {left -> leaf, right}, current left, every field of every type used. */
  private static DomainMetadata richTree(UUID domain) {
    Path dir = Path.of("/var/lib/xen/snapshots", domain.toString());
    Snapshot root = new Snapshot("root", T0, "first \"quoted\", caf\u00e9\nsecond line\ttab \u65e5\u672c \ud83d\ude00",
        Optional.empty(), List.of("left", "right"), DomainState.PAUSED, false,
        Optional.of(dir.resolve("root memory \u00e9.img")), Optional.of(new FileStamp(4096, T0.plusSeconds(3))),
        List.of(DiskSnapshot.internal("xvda", Path.of("/img/a.qcow2"), "xlsnap-root"),
            DiskSnapshot.external("xvdb", Path.of("/img/b.raw"), DiskFormat.RAW, Path.of("/img/b-1.qcow2"),
                Optional.of(new FileStamp(1L << 40, T0.minusNanos(1)))),
            DiskSnapshot.external("xvdc", Path.of("/img/c.vhd"), DiskFormat.VHD, Path.of("/img/c-1.qcow2"),
                Optional.empty()),
            DiskSnapshot.none("xvdd")),
        Optional.of(new io.github.xlsnap.core.spi.DomainConfiguration("libxl",
            "{\n  \"c_info\": {\"name\": \"vm caf\u00e9\"},\n  \"b_info\": {\"max_memkb\": 131072}\n}\n")));
    Snapshot left = new Snapshot("left", T0.plusNanos(1), "", Optional.of("root"), List.of("leaf"),
        new DomainState(false, true, true, false, Optional.of(ShutdownReason.SUSPEND)), true,
        Optional.of(dir.resolve("left.img")), Optional.empty(),
        List.of(DiskSnapshot.internal("xvda", Path.of("/img/a.qcow2"), "xlsnap-left")));
    Snapshot leaf = new Snapshot("leaf", T0.plusSeconds(60), "a leaf", Optional.of("left"), List.of(),
        new DomainState(true, false, false, true, Optional.of(ShutdownReason.CRASH)), false, Optional.empty(),
        Optional.empty(), List.of());
    Snapshot right = new Snapshot("right", T0.plusSeconds(61), "right", Optional.of("root"), List.of(),
        DomainState.RUNNING, false, Optional.empty(), Optional.empty(),
        List.of(DiskSnapshot.external("xvda", Path.of("/img/a.qcow2"), DiskFormat.QCOW2, Path.of("/img/a-r.qcow2"),
            Optional.of(new FileStamp(0, Instant.EPOCH)))));
    return new DomainMetadata(domain, List.of(root, left, leaf, right), Optional.of("left"),
        Set.of(Path.of("/img/b-1.qcow2"), Path.of("/img/c-1.qcow2"), Path.of("/img/a-r.qcow2")));
  }

  /** Metadata in a line: its snapshots' names and descriptions, current snapshot and owned images. */
  private static String describe(DomainMetadata md) {
    StringBuilder b = new StringBuilder("[");
    for (Snapshot s : md.snapshots()) {
      b.append(s.name()).append('(').append(s.description()).append(") ");
    }
    return b.append("current ").append(md.current().orElse("-")).append(", owned ").append(md.ownedImages())
        .append(']').toString();
  }
}
