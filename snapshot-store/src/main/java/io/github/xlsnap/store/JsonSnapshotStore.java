package io.github.xlsnap.store;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DomainBusyException;
import io.github.xlsnap.core.InvalidSnapshotSpecException;
import io.github.xlsnap.core.OperationCancelledException;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotNames;
import io.github.xlsnap.core.XlsnapException;
import io.github.xlsnap.core.XlsnapIOException;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.store.CorruptMetadataException.Problem;
import io.github.xlsnap.store.StoreFinding.Kind;
import io.github.xlsnap.store.internal.Codec;
import io.github.xlsnap.store.internal.Codec.DomainRecord;
import io.github.xlsnap.store.internal.Codec.ReadSnapshot;
import io.github.xlsnap.store.internal.DomainLease;
import io.github.xlsnap.store.internal.DomainLock;
import io.github.xlsnap.store.internal.DurableFiles;
import io.github.xlsnap.store.internal.FileOps;
import io.github.xlsnap.store.internal.ReadCache;
import io.github.xlsnap.store.internal.SnapshotDiff;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.format.DateTimeFormatter;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable {@link SnapshotStore}: one libxl-json file per snapshot,
 * {@code <root>/<domain-uuid>/snapshotdata-<name>.libxl-json}, as the seed design lays out, plus a
 * small domain record and, while a change is being applied, a journal. See the
 * {@linkplain io.github.xlsnap.store package documentation} for the format, the atomicity design and
 * recovery.
 *
 * <p>Use it with the manager: {@code SnapshotManager.builder(hypervisor, JsonSnapshotStore.open(dir))}.
 *
 * <p><b>Failures.</b> As {@link SnapshotStore} asks: a {@link #save} or {@link #saveIntent} that returns
 * has committed, one that throws has committed nothing, on this instance too. I/O errors are thrown as
 * {@link XlsnapIOException} naming the file and the operation, unusable files as
 * {@link CorruptMetadataException}, an interrupted wait as {@link OperationCancelledException}; no
 * other exception escapes but for a bug. A domain whose journal cannot be applied (an I/O error, a
 * corrupt journal, a name an older version allowed) fails its own loads with a typed exception naming
 * the journal, and nothing else: {@link #open} logs it, {@link #check} reports it and {@link #repair}
 * sets the journal aside.
 *
 * <p><b>Threads and processes.</b> Thread-safe, and safe between processes on one host. Every load,
 * save, check and repair of a domain holds the domain's short lock while it reads or commits (an
 * in-JVM lock plus an OS file lock), so readers never see half a change; {@link #lockDomain} holds the
 * domain's lease, a second lock of the same kind, for a whole operation, so that operations of
 * different threads and processes are serialized while reads go on. A lock held by a dead process is
 * released by the OS. Holds no open files between calls but for the leases; nothing to close.
 */
public final class JsonSnapshotStore implements SnapshotStore {
  /** The root the seed design names: {@code /var/lib/xen/snapshots}. */
  public static final Path DEFAULT_ROOT = Path.of("/var/lib/xen/snapshots");

  static final String PREFIX = "snapshotdata-";
  static final String SUFFIX = ".libxl-json";
  static final String DOMAIN_FILE = "xlsnap-domain.libxl-json";
  static final String JOURNAL_FILE = "xlsnap-journal.libxl-json";
  static final String QUARANTINE = "quarantine";
  static final String INTENT_FILE = "xlsnap-intent.properties";
  /** How long {@link #repair} waits for an operation holding the domain's lease to end. */
  static final Duration REPAIR_WAIT = Duration.ofSeconds(10);
  private static final Logger LOG = LoggerFactory.getLogger(JsonSnapshotStore.class);
  private static final Comparator<Snapshot> BY_TIME =
      Comparator.comparing(Snapshot::createTime).thenComparing(Snapshot::name);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss.SSS'Z'").withZone(ZoneOffset.UTC);

  private final Path root;
  private final Clock clock;
  private final FileOps ops;
  private final ConcurrentMap<UUID, State> cache = new ConcurrentHashMap<>();
  /** For tests: called at each step of a commit, to simulate a crash there by throwing. */
  private volatile Consumer<String> steps = step -> { };

  /**
   * What is on disk for one domain at one generation, and the JSON of the files this store parsed or
   * wrote (a record taken from the read cache has none here: its file is read when rewritten).
   *
   * <p>Used only under the domain's lock. {@code json} belongs to the newest state of its domain: a
   * commit hands it on to the state it makes, changed in place for the records it wrote and removed
   * (after the commit point, when the state it came from is no longer current), so that a save
   * copies nothing but what it changes.
   *
   * @param namesFit whether every snapshot's name is known to pass {@link #checkNameBudget}: true for
   *     a state a save made, false for one read from disk or made by a repair, until a save has checked
   *     them all
   */
  private record State(long generation, DomainMetadata metadata, Map<String, ObjectNode> json,
      @Nullable ObjectNode domainJson, boolean namesFit) {}

  private JsonSnapshotStore(Path root, Clock clock, FileOps ops) {
    this.root = root;
    this.clock = clock;
    this.ops = ops;
  }

  /**
   * Opens the store at a root directory, creating it ({@code 0700}) if missing, and recovers every
   * domain: a change that was committed but not wholly applied when a process died is completed, and
   * temporary files left behind are removed. Recovery is logged; a domain that cannot be recovered
   * (its journal cannot be applied) is logged and left for {@link #check} and {@link #repair}: it
   * stops neither the opening nor other domains.
   *
   * @param root the root directory; a relative path is taken from the working directory
   * @return the store
   * @throws XlsnapIOException if the root cannot be created or listed
   */
  public static JsonSnapshotStore open(Path root) {
    return open(root, Clock.systemUTC());
  }

  /**
   * Opens the store at {@link #DEFAULT_ROOT}.
   *
   * @return the store
   * @see #open(Path)
   */
  public static JsonSnapshotStore openDefault() {
    return open(DEFAULT_ROOT);
  }

  /**
   * Opens the store with a clock, which names quarantined files.
   *
   * @param root the root directory
   * @param clock the clock
   * @return the store
   * @throws XlsnapIOException if the root cannot be created or listed
   * @see #open(Path)
   */
  public static JsonSnapshotStore open(Path root, Clock clock) {
    return open(root, clock, FileOps.SYSTEM);
  }

  /** For tests: opens the store making its changes to files through {@code ops}. */
  static JsonSnapshotStore open(Path root, Clock clock, FileOps ops) {
    requireNonNull(root, "root");
    requireNonNull(clock, "clock");
    requireNonNull(ops, "ops");
    Path abs = root.toAbsolutePath().normalize();
    Path real;
    try {
      Path parent = abs.getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      DurableFiles.createPrivateDirectory(abs);
      real = abs.toRealPath();
    } catch (IOException e) {
      throw failure("open snapshot store", fileOf(e, abs), e);
    }
    JsonSnapshotStore store = new JsonSnapshotStore(real, clock, ops);
    for (UUID d : store.domainDirectories()) {
      try {
        store.withLock(d, "recover snapshot metadata", dir -> store.recover(d, dir, true));
      } catch (CorruptMetadataException | XlsnapIOException e) {
        LOG.error("domain {} cannot be recovered, its loads fail until `check` and `repair` deal with it: {}", d,
            e.getMessage());
      }
    }
    return store;
  }

  /** For tests: calls {@code hook} with the name of each step of a commit as it is reached. */
  void onCommitStep(Consumer<String> hook) {
    steps = requireNonNull(hook, "hook");
  }

  /**
   * Returns the root directory.
   *
   * @return its real, absolute path
   */
  public Path root() {
    return root;
  }

  // ---------------------------------------------------------------------------------------------
  // SnapshotStore

  /**
   * {@inheritDoc}
   *
   * <p>Waits only for a commit in progress, never for a lease ({@link #lockDomain}).
   *
   * @throws CorruptMetadataException naming the file, if a file of the domain cannot be used (the
   *     journal included: a change that cannot be applied)
   * @throws XlsnapIOException naming the file, if it cannot be read, or a pending journal cannot be
   *     applied
   */
  @Override
  public DomainMetadata load(UUID domain) {
    requireNonNull(domain, "domain");
    Path dir = dataDirectory(domain);
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
      return DomainMetadata.empty(domain);
    }
    return withLock(domain, "load snapshot metadata", d -> state(domain, d).metadata());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Writes only the files that change, through the domain's journal (see the package
   * documentation), whose rename is the commit point. Every snapshot's name, and the name of every
   * file made from it, is checked against the file name limit first ({@link SnapshotNames#MAX_BYTES}).
   * An error before the commit point removes what it wrote and throws; an error forcing the directory
   * right after it undoes the commit and throws (or, if the undo fails too, goes on as committed); an
   * error applying the committed journal is logged and left for the next access, by any store, to
   * finish, and the call returns.
   *
   * @throws InvalidSnapshotSpecException if a name is too long for the store's files; nothing is
   *     written then
   * @throws CorruptMetadataException naming the file, if a file of the domain cannot be used; nothing
   *     is written then
   * @throws XlsnapIOException naming the file and the operation, if nothing was committed
   */
  @Override
  public void save(DomainMetadata metadata) {
    requireNonNull(metadata, "metadata");
    UUID domain = metadata.domain();
    // Every name is checked before anything else can fail or be written. A domain this store holds
    // needs only the names of the records that change checked (the others were, when they were
    // saved): that is done under the lock, once the change is known; any failure before it checks
    // all the names first, so that a bad name is still the error thrown.
    boolean[] checked = {false};
    if (!Files.isDirectory(dataDirectory(domain), LinkOption.NOFOLLOW_LINKS)) {
      checkNameBudgets(metadata);
      checked[0] = true;
    }
    try {
      createDomainDirectory(domain);
      withLock(domain, "save snapshot metadata", dir -> {
        State before = state(domain, dir);
        if (!before.namesFit() && !checked[0]) {
          checkNameBudgets(metadata);
          checked[0] = true;
        }
        DomainMetadata was = before.metadata();
        SnapshotDiff diff = SnapshotDiff.of(was.snapshots(), metadata.snapshots());
        if (!checked[0]) {
          checked[0] = true; // the others' names fit: the first bad name here is the first of all
          for (SnapshotDiff.Write w : diff.writes()) {
            checkNameBudget(w.snapshot().name());
          }
        }
        boolean same = diff.same() && was.current().equals(metadata.current())
            && was.ownedImages().equals(metadata.ownedImages()) && was.deferredCleanups().equals(metadata.deferredCleanups());
        if (same && before.generation() > 0) {
          return null; // before.metadata().equals(metadata)
        }
        Map<String, ObjectNode> writes = new LinkedHashMap<>();
        Map<String, ObjectNode> written = new HashMap<>();
        for (SnapshotDiff.Write w : diff.writes()) {
          String name = w.snapshot().name();
          ObjectNode n = Codec.writeSnapshot(w.snapshot(), w.existed() ? previousJson(dir, before, name) : null);
          writes.put(fileName(name), n);
          written.put(name, n);
        }
        List<String> deletes = new ArrayList<>(diff.removed().size());
        diff.removed().forEach(name -> deletes.add(fileName(name)));
        long generation = before.generation() + 1;
        ObjectNode domainJson = Codec.writeDomain(domain, generation, metadata.current(), sorted(metadata.ownedImages()),
            before.domainJson());
        Codec.putDeferred(domainJson, metadata.deferredCleanups());
        commit(dir, domain, generation, writes, deletes, domainJson, () -> {
          Map<String, ObjectNode> json = before.json(); // handed on: before is stale from the commit point on
          json.putAll(written);
          diff.removed().forEach(json::remove);
          return new State(generation, metadata, json, domainJson, true);
        });
        return null;
      });
    } catch (RuntimeException e) {
      if (!checked[0]) {
        checkNameBudgets(metadata); // a bad name is the error, as if checked first
      }
      throw e;
    }
  }

  /** {@link #checkNameBudget} of every snapshot, in order. */
  private static void checkNameBudgets(DomainMetadata metadata) {
    for (Snapshot s : metadata.snapshots()) {
      checkNameBudget(s.name());
    }
  }

  /**
   * Checks that a snapshot's name, and every file name the store makes from it, fits the file name
   * limit.
   */
  private static void checkNameBudget(String name) {
    try {
      SnapshotNames.validate(name);
    } catch (InvalidSnapshotSpecException e) {
      throw new InvalidSnapshotSpecException(e.field(), "snapshot '" + name + "' cannot be stored: "
          + e.getMessage().substring(e.field().length() + 2));
    }
    String longest = DurableFiles.temporaryOf(Path.of(fileName(name))).getFileName().toString();
    int bytes = longest.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > SnapshotNames.NAME_MAX) {
      throw new InvalidSnapshotSpecException("name", "snapshot '" + name + "' cannot be stored: its file "
          + longest + " would be " + bytes + " bytes, more than " + SnapshotNames.NAME_MAX);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Takes the domain's lease, {@code xlsnap-lease.lock} in its directory (created if needed),
   * until the lease is closed: an in-JVM lock and an OS lock, polled until the timeout. Loads by
   * anyone meanwhile go on; loads and saves by the holder take the short lock of each call, as
   * everyone's do. Reentrant: the holder may take it again.
   *
   * @throws DomainBusyException if another thread or process held the lease until the timeout,
   *     naming it as far as known ({@code another process (pid 4242)})
   * @throws OperationCancelledException if the thread was interrupted while waiting; its interrupt
   *     status is set again
   * @throws XlsnapIOException if the lease file cannot be opened or locked
   */
  @Override
  public Lease lockDomain(UUID domain, Duration timeout) {
    requireNonNull(domain, "domain");
    requireNonNull(timeout, "timeout");
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("negative timeout " + timeout);
    }
    Path dir = createDomainDirectory(domain);
    long start = System.nanoTime();
    DomainLease.Held held;
    try {
      checkDomainDirectory(dir);
      held = DomainLease.acquire(dir, timeout);
    } catch (DomainLease.BusyException e) {
      throw new DomainBusyException(domain.toString(), Duration.ofNanos(System.nanoTime() - start), e.holder());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new OperationCancelledException("interrupted while waiting for the lease of domain " + domain, e);
    } catch (IOException e) {
      throw failure("take the lease of the domain", dir.resolve(DomainLease.FILE_NAME), e);
    }
    return () -> {
      try {
        held.close();
      } catch (IOException e) {
        throw failure("release the lease of the domain", held.file(), e);
      }
    };
  }

  /**
   * {@inheritDoc}
   *
   * <p>Kept in {@code <root>/<domain-uuid>/xlsnap-intent.properties}, written as temporary file,
   * fsync, rename (the commit point), fsync of the directory; cleared by deleting it (the commit
   * point) and forcing the directory. An error forcing the directory undoes the change (the previous
   * record is put back) and throws; if the undo fails too, the change stands and the call returns.
   *
   * @throws XlsnapIOException naming the file and the operation, if nothing was committed
   */
  @Override
  public void saveIntent(UUID domain, Optional<String> intent) {
    requireNonNull(intent, "intent");
    Path dir = dataDirectory(requireNonNull(domain, "domain"));
    if (intent.isEmpty() && !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return; // nothing to clear
    }
    createDomainDirectory(domain);
    withLock(domain, "save the operation record", d -> {
      Path file = d.resolve(INTENT_FILE);
      byte[] previous = Files.exists(file, LinkOption.NOFOLLOW_LINKS) ? DurableFiles.readRegular(file) : null;
      if (intent.isPresent()) {
        commitFile(file, intent.get().getBytes(StandardCharsets.UTF_8), previous, "write the operation record");
      } else if (previous != null) {
        commitFile(file, null, previous, "remove the operation record");
      }
      return null;
    });
  }

  /**
   * {@inheritDoc}
   *
   * @throws XlsnapIOException naming the file, if it cannot be read
   */
  @Override
  public Optional<String> loadIntent(UUID domain) {
    Path dir = dataDirectory(requireNonNull(domain, "domain"));
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    return withLock(domain, "load the operation record", d -> {
      Path file = d.resolve(INTENT_FILE);
      return Files.exists(file, LinkOption.NOFOLLOW_LINKS)
          ? Optional.of(new String(DurableFiles.readRegular(file), StandardCharsets.UTF_8))
          : Optional.<String>empty();
    });
  }

  /**
   * {@inheritDoc}
   *
   * <p>Includes the domains that have only a pending operation record, and those whose metadata
   * cannot be read (their loads fail; see {@link #check}).
   *
   * @throws XlsnapIOException if the root cannot be listed
   */
  @Override
  public Set<UUID> domains() {
    Set<UUID> out = new HashSet<>();
    for (UUID d : domainDirectories()) {
      if (Files.exists(dataDirectory(d).resolve(INTENT_FILE), LinkOption.NOFOLLOW_LINKS)) {
        out.add(d); // an operation did not end: the manager recovers it
        continue;
      }
      try {
        DomainMetadata md = load(d);
        if (!md.isEmpty()) {
          out.add(d);
        }
      } catch (CorruptMetadataException | XlsnapIOException e) {
        out.add(d); // it has metadata, unusable as it is: check and repair it
      }
    }
    return Set.copyOf(out);
  }

  /**
   * {@inheritDoc}
   *
   * @return {@code <root>/<domain-uuid>}
   */
  @Override
  public Path dataDirectory(UUID domain) {
    return root.resolve(requireNonNull(domain, "domain").toString());
  }

  /**
   * Returns the metadata file of a snapshot.
   *
   * @param domain the domain's UUID
   * @param name the snapshot's name, checked by {@link SnapshotNames#validate}
   * @return {@code <root>/<domain-uuid>/snapshotdata-<name>.libxl-json}
   */
  public Path snapshotFile(UUID domain, String name) {
    return dataDirectory(domain).resolve(fileName(SnapshotNames.validate(name)));
  }

  // ---------------------------------------------------------------------------------------------
  // check and repair

  /**
   * Checks a domain's metadata and the files it names, reading every file afresh. A pending journal
   * is applied first, as on every access; one that cannot be applied is a finding
   * ({@link Kind#JOURNAL_NOT_APPLIED}), and the files are checked as they are. A pending operation
   * record is a finding too ({@link Kind#PENDING_OPERATION}). Changes nothing else. Waits only for a
   * commit in progress.
   *
   * @param domain the domain's UUID
   * @return the findings, empty if all is well
   * @throws XlsnapIOException naming the file, if the domain's directory cannot be read
   */
  public List<StoreFinding> check(UUID domain) {
    requireNonNull(domain, "domain");
    if (!Files.exists(dataDirectory(domain), LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    return withLock(domain, "check snapshot metadata", dir -> {
      Optional<StoreFinding> notApplied = recoverForCheck(domain, dir);
      Optional<StoreFinding> pending = pendingOperation(dir);
      List<StoreFinding> findings = new ArrayList<>();
      notApplied.ifPresent(findings::add);
      pending.ifPresent(findings::add);
      findings.addAll(scan(domain, dir, pending.isPresent()).findings());
      return List.copyOf(findings);
    });
  }

  /**
   * Repairs what {@link #check} finds, without guessing: unusable metadata files, snapshots in a cycle
   * and foreign files are moved to {@code <root>/<domain-uuid>/quarantine/} (never deleted); a
   * snapshot whose parent is gone becomes a root; every {@code children} list is recomputed from the
   * {@code parent} fields; a current snapshot that does not exist is cleared. Missing memory images
   * and disk files cannot be repaired and stay reported. If a file is of a newer format version or
   * unreadable, nothing is changed.
   *
   * <p>A journal that cannot be applied (retried first: fix an I/O error before repairing) is moved to
   * the quarantine too, and its finding says that the change it held is not applied: the domain stays
   * at its last applied generation, and files the change had already rewritten are repaired like any
   * others. While an operation record is pending ({@link Kind#PENDING_OPERATION}), files no snapshot
   * names are kept, not quarantined: they may be the operation's, for the manager's {@code recover}
   * to finish or undo.
   *
   * <p>Holds the domain's lease ({@link #lockDomain}), waiting up to 10 s for an operation to end.
   *
   * @param domain the domain's UUID
   * @return what was found, quarantined and is left
   * @throws DomainBusyException if an operation held the domain for longer
   * @throws XlsnapIOException naming the file and the operation, if a file cannot be read or moved
   */
  public RepairReport repair(UUID domain) {
    requireNonNull(domain, "domain");
    if (!Files.exists(dataDirectory(domain), LinkOption.NOFOLLOW_LINKS)) {
      return new RepairReport(List.of(), List.of(), List.of());
    }
    try (Lease lease = lockDomain(domain, REPAIR_WAIT)) {
      return withLock(domain, "repair snapshot metadata", dir -> repairLocked(domain, dir, recoverForCheck(domain, dir)));
    }
  }

  /**
   * Recovers for check and repair: a journal that cannot be applied is returned as a finding, not
   * thrown; anything else that fails is thrown.
   */
  private Optional<StoreFinding> recoverForCheck(UUID domain, Path dir) throws IOException {
    Path journal = dir.resolve(JOURNAL_FILE);
    try {
      recover(domain, dir, true);
      return Optional.empty();
    } catch (CorruptMetadataException | XlsnapIOException e) {
      if (!Files.exists(journal, LinkOption.NOFOLLOW_LINKS)) {
        throw e;
      }
      String why = e instanceof CorruptMetadataException c
          ? c.problem().name() + ": " + (c.file().equals(journal) ? "" : c.file().getFileName() + ": ") + c.detail()
          : StoreFinding.IO_ERROR + ": " + e.getMessage();
      return Optional.of(new StoreFinding(Kind.JOURNAL_NOT_APPLIED, journal, Optional.empty(), why
          + "; the change it holds is not applied (repair sets the journal aside in " + QUARANTINE + "/)"));
    }
  }

  /** The finding of a pending operation record, summarized: its identifying lines and its size. */
  private static Optional<StoreFinding> pendingOperation(Path dir) {
    Path file = dir.resolve(INTENT_FILE);
    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
      return Optional.empty();
    }
    String summary;
    try {
      byte[] bytes = DurableFiles.readRegular(file);
      List<String> lines = new String(bytes, StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank()).toList();
      List<String> shown = lines.stream().filter(l -> l.matches("(format|operation|snapshot)\\s*[=:].*")).toList();
      summary = (shown.isEmpty() ? lines.stream().limit(1).toList() : shown).stream()
          .map(l -> l.length() > 100 ? l.substring(0, 100) + "..." : l)
          .collect(java.util.stream.Collectors.joining("; ")) + " (" + bytes.length + " bytes)";
    } catch (IOException e) {
      summary = "unreadable: " + e;
    }
    return Optional.of(new StoreFinding(Kind.PENDING_OPERATION, file, Optional.empty(),
        "an operation on the domain did not end (it was interrupted, or is still running); the manager's recover,"
        + " or an operator's abandon, settles it; repair keeps the files it may have made: " + summary));
  }

  private record Scan(List<StoreFinding> findings, Map<String, ReadSnapshot> snapshots, Map<String, Path> files,
      Set<Path> quarantine, @Nullable DomainRecord domainRecord, boolean blocked) {}

  private Scan scan(UUID domain, Path dir, boolean operationPending) throws IOException {
    List<StoreFinding> findings = new ArrayList<>();
    Map<String, ReadSnapshot> snaps = new LinkedHashMap<>();
    Map<String, Path> files = new HashMap<>();
    Set<Path> quarantine = new TreeSet<>();
    List<Path> others = new ArrayList<>();
    boolean blocked = false;
    DomainRecord record = null;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.startsWith(PREFIX) && n.endsWith(SUFFIX)) {
          String name = n.substring(PREFIX.length(), n.length() - SUFFIX.length());
          try {
            ReadSnapshot r = Codec.readSnapshot(p, read(p), name);
            snaps.put(name, r);
            files.put(name, p);
          } catch (CorruptMetadataException e) {
            findings.add(corrupt(e));
            blocked |= !findings.get(findings.size() - 1).repairable();
            quarantine.add(p);
          }
        } else if (n.equals(DOMAIN_FILE)) {
          try {
            record = Codec.readDomain(p, read(p));
          } catch (CorruptMetadataException e) {
            findings.add(corrupt(e));
            blocked |= !findings.get(findings.size() - 1).repairable();
            quarantine.add(p);
          }
        } else if (!n.equals(DomainLock.FILE_NAME) && !n.equals(DomainLease.FILE_NAME) && !n.equals(QUARANTINE)
            && !n.equals(JOURNAL_FILE) && !n.equals(INTENT_FILE) && !n.equals(ReadCache.FILE_NAME)) {
          others.add(p);
        }
      }
    }
    // Files the snapshots name (memory images, in this directory by default) are ours.
    Set<Path> named = new HashSet<>();
    for (ReadSnapshot r : snaps.values()) {
      Snapshot s = r.snapshot();
      s.memoryImage().ifPresent(named::add);
      for (DiskSnapshot d : s.disks()) {
        d.image().ifPresent(named::add);
        d.overlay().ifPresent(named::add);
      }
    }
    if (record != null) {
      named.addAll(record.ownedImages());
    }
    others.sort(Comparator.naturalOrder());
    for (Path p : others) {
      if (!named.contains(p) && operationPending) {
        findings.add(new StoreFinding(Kind.FOREIGN_FILE, p, Optional.empty(), StoreFinding.KEPT_FOR_PENDING_OPERATION
            + ": no snapshot names this file, which the pending operation may have made"));
      } else if (!named.contains(p)) {
        findings.add(new StoreFinding(Kind.FOREIGN_FILE, p, Optional.empty(),
            "no snapshot names this file and the store did not write it"));
        quarantine.add(p);
      }
    }
    // The tree, with parent as the source of truth.
    for (ReadSnapshot r : snaps.values()) {
      Snapshot s = r.snapshot();
      Path f = files.get(s.name());
      if (s.parent().isPresent()) {
        ReadSnapshot p = snaps.get(s.parent().get());
        if (p == null) {
          findings.add(new StoreFinding(Kind.MISSING_PARENT, f, Optional.of(s.name()),
              "parent '" + s.parent().get() + "' does not exist"));
        } else if (!p.snapshot().children().contains(s.name())) {
          findings.add(new StoreFinding(Kind.CHILD_NOT_LINKED, files.get(p.snapshot().name()), Optional.of(s.name()),
              "'" + p.snapshot().name() + "' does not list its child '" + s.name() + "'"));
        }
      }
      for (String c : s.children()) {
        ReadSnapshot child = snaps.get(c);
        if (child == null || !child.snapshot().parent().equals(Optional.of(s.name()))) {
          findings.add(new StoreFinding(Kind.CHILD_NOT_LINKED, f, Optional.of(s.name()),
              "lists child '" + c + "', which " + (child == null ? "does not exist" : "names another parent")));
        }
      }
      if (inCycle(s.name(), snaps)) {
        findings.add(new StoreFinding(Kind.CYCLE, f, Optional.of(s.name()), "its ancestors lead back to it"));
      }
      s.memoryImage().filter(m -> !Files.exists(m, LinkOption.NOFOLLOW_LINKS)).ifPresent(m ->
          findings.add(new StoreFinding(Kind.MISSING_MEMORY_IMAGE, f, Optional.of(s.name()), "memory image " + m + " is missing")));
      for (DiskSnapshot d : s.disks()) {
        // the image holds the snapshot's state; an overlay only held what came after it, and goes
        // when a revert discards that (a revert to the snapshot makes a new one)
        d.image().filter(m -> !Files.exists(m)).ifPresent(m -> findings.add(new StoreFinding(Kind.MISSING_DISK_FILE,
            f, Optional.of(s.name()), "disk " + d.target() + ": " + m + " is missing")));
      }
      findings.addAll(StoreFinding.changedFiles(f, s));
    }
    if (record != null && record.current().isPresent() && !snaps.containsKey(record.current().get())) {
      findings.add(new StoreFinding(Kind.DANGLING_CURRENT, dir.resolve(DOMAIN_FILE), record.current(),
          "current snapshot '" + record.current().get() + "' does not exist"));
    }
    return new Scan(List.copyOf(findings), snaps, files, quarantine, record, blocked);
  }

  private static boolean inCycle(String name, Map<String, ReadSnapshot> snaps) {
    Set<String> seen = new HashSet<>();
    Optional<String> at = snaps.get(name).snapshot().parent();
    while (at.isPresent() && snaps.containsKey(at.get())) {
      if (at.get().equals(name)) {
        return true;
      }
      if (!seen.add(at.get())) {
        return false; // a cycle above, not through this one
      }
      at = snaps.get(at.get()).snapshot().parent();
    }
    return false;
  }

  private static StoreFinding corrupt(CorruptMetadataException e) {
    return new StoreFinding(Kind.CORRUPT_FILE, e.file(), Optional.empty(), e.problem() + ": " + e.detail());
  }

  private RepairReport repairLocked(UUID domain, Path dir, Optional<StoreFinding> notApplied) throws IOException {
    Optional<StoreFinding> pending = pendingOperation(dir);
    Scan scan = scan(domain, dir, pending.isPresent());
    List<StoreFinding> found = new ArrayList<>();
    notApplied.ifPresent(found::add);
    pending.ifPresent(found::add);
    found.addAll(scan.findings());
    boolean blocked = scan.blocked() || notApplied.filter(f -> !f.repairable()).isPresent();
    if (blocked || found.stream().noneMatch(StoreFinding::repairable)) {
      return new RepairReport(found, List.of(), found);
    }
    cache.remove(domain);
    ReadCache.delete(dir); // rebuilt by the next load from the repaired files
    List<Path> moved = new ArrayList<>();
    Map<String, ReadSnapshot> snaps = new LinkedHashMap<>(scan.snapshots());
    Set<Path> toQuarantine = new TreeSet<>(scan.quarantine());
    notApplied.ifPresent(f -> toQuarantine.add(f.file()));
    for (String n : List.copyOf(snaps.keySet())) {
      if (inCycle(n, scan.snapshots())) {
        toQuarantine.add(scan.files().get(n));
        snaps.remove(n);
      }
    }
    Path qdir = dir.resolve(QUARANTINE);
    DurableFiles.createPrivateDirectory(qdir);
    String stamp = STAMP.format(clock.instant());
    for (Path p : toQuarantine) {
      Path target = qdir.resolve(quarantineName(p.getFileName().toString(), stamp,
          n -> Files.exists(qdir.resolve(n), LinkOption.NOFOLLOW_LINKS)));
      ops.rename(p, target);
      moved.add(target);
      if (notApplied.isPresent() && p.equals(notApplied.get().file())) {
        LOG.warn("domain {}: set the journal {} aside as {}: the change it held is not applied", domain, p, target);
      } else {
        LOG.warn("quarantined {} as {}", p, target);
      }
    }
    ops.syncDirectory(qdir);
    ops.syncDirectory(dir);
    // Relations from the parent fields: missing parents make roots; children in their old order,
    // then any unlisted child by creation time.
    Map<String, Optional<String>> parents = new HashMap<>();
    for (ReadSnapshot r : snaps.values()) {
      Optional<String> p = r.snapshot().parent().filter(snaps::containsKey);
      parents.put(r.snapshot().name(), p);
    }
    Map<String, List<Snapshot>> childrenOf = new HashMap<>(); // by creation time: linear in the snapshots
    snaps.values().stream().map(ReadSnapshot::snapshot)
        .sorted(Comparator.comparing(Snapshot::createTime).thenComparing(Snapshot::name))
        .forEach(c -> parents.get(c.name()).ifPresent(p -> childrenOf.computeIfAbsent(p, k -> new ArrayList<>()).add(c)));
    List<Snapshot> fixed = new ArrayList<>();
    for (ReadSnapshot r : snaps.values()) {
      Snapshot s = r.snapshot();
      Set<String> kids = new LinkedHashSet<>();
      for (String c : s.children()) {
        if (parents.getOrDefault(c, Optional.empty()).equals(Optional.of(s.name()))) {
          kids.add(c);
        }
      }
      childrenOf.getOrDefault(s.name(), List.of()).forEach(c -> kids.add(c.name()));
      fixed.add(s.withRelations(parents.get(s.name()), List.copyOf(kids)));
    }
    DomainRecord rec = scan.domainRecord();
    Optional<String> current = rec == null ? Optional.empty() : rec.current().filter(snaps::containsKey);
    Set<Path> owned = rec == null ? Set.of() : Set.copyOf(rec.ownedImages());
    DomainMetadata md = new DomainMetadata(domain, fixed, current, owned,
        rec == null ? Set.of() : Codec.readDeferred(dir.resolve(DOMAIN_FILE), rec.json()));
    Map<String, ObjectNode> writes = new LinkedHashMap<>();
    Map<String, ObjectNode> json = new HashMap<>();
    for (Snapshot s : fixed) {
      ReadSnapshot r = snaps.get(s.name());
      ObjectNode n = s.equals(r.snapshot()) ? r.json() : Codec.writeSnapshot(s, r.json());
      if (n != r.json()) {
        writes.put(fileName(s.name()), n);
      }
      json.put(s.name(), n);
    }
    long generation = rec == null ? Math.max(1, clock.millis()) : rec.generation() + 1;
    ObjectNode domainJson = Codec.writeDomain(domain, generation, current, sorted(owned), rec == null ? null : rec.json());
    Codec.putDeferred(domainJson, md.deferredCleanups());
    commit(dir, domain, generation, writes, List.of(), domainJson, () -> new State(generation, md, json, domainJson, false));
    List<StoreFinding> remaining = new ArrayList<>();
    pending.ifPresent(remaining::add);
    remaining.addAll(scan(domain, dir, pending.isPresent()).findings());
    LOG.warn("repaired domain {}: {} finding(s), {} file(s) quarantined, {} left", domain, found.size(),
        moved.size(), remaining.size());
    return new RepairReport(found, moved, remaining);
  }

  /**
   * The name of a file in the quarantine: {@code <name>.<stamp>}, shortened (a prefix of the name,
   * {@code ~} and a hash of it) where that would pass the file name limit, and with {@code -2},
   * {@code -3}... if taken.
   */
  static String quarantineName(String name, String stamp, Predicate<String> taken) {
    String suffix = "." + stamp;
    int room = SnapshotNames.NAME_MAX - utf8Length(suffix) - 4; // -NNN, should the name be taken
    String base = name;
    if (utf8Length(name) > room) {
      String hash = String.format("~%08x", name.hashCode());
      base = utf8Prefix(name, room - hash.length()) + hash;
    }
    String candidate = base + suffix;
    for (int i = 2; taken.test(candidate); i++) {
      candidate = base + suffix + "-" + i;
    }
    return candidate;
  }

  private static int utf8Length(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** The longest prefix of {@code s} of at most {@code maxBytes} bytes of UTF-8, whole code points. */
  private static String utf8Prefix(String s, int maxBytes) {
    int bytes = 0;
    int i = 0;
    while (i < s.length()) {
      int cp = s.codePointAt(i);
      int n = utf8Length(new String(Character.toChars(cp)));
      if (bytes + n > maxBytes) {
        break;
      }
      bytes += n;
      i += Character.charCount(cp);
    }
    return s.substring(0, i);
  }

  // ---------------------------------------------------------------------------------------------
  // reading, the journal, recovery

  private State state(UUID domain, Path dir) throws IOException {
    recover(domain, dir, false);
    // A store's first read of a domain decodes the read cache on another thread meanwhile: reading the
    // domain record, listing the files and reading their identities take about as long.
    CompletableFuture<Optional<ReadCache.Contents>> packedLater = cache.containsKey(domain) ? null : readCacheAsync(domain, dir);
    Path recordFile = dir.resolve(DOMAIN_FILE);
    DomainRecord record = null;
    if (Files.exists(recordFile, LinkOption.NOFOLLOW_LINKS)) {
      record = Codec.readDomain(recordFile, read(recordFile));
    }
    long generation = record == null ? 0 : record.generation();
    State cached = cache.get(domain);
    if (cached != null && generation > 0 && cached.generation() == generation) {
      return cached;
    }
    // Every snapshot file is listed and its identity read; the read cache supplies the records of the
    // files whose identity it holds and that had settled when it was made, the rest are parsed.
    long listedAt = ReadCache.nowNanos();
    if (packedLater == null) {
      packedLater = readCacheAsync(domain, dir);
    }
    Listing listing = new Listing();
    String[] all = dir.toFile().list();
    if (all == null) {
      throw new IOException("cannot list " + dir);
    }
    for (String n : all) {
      listing.visit(dir, n);
    }
    List<String> names = listing.names;
    ReadCache.Contents packed = packedLater.join().orElse(null);
    @Nullable Snapshot[] snaps = new @Nullable Snapshot[names.size()];
    List<Integer> unparsed = new ArrayList<>();
    boolean rewrite = packed == null || packed.entries().size() != names.size();
    for (int i = 0; i < snaps.length; i++) {
      snaps[i] = packed == null || !listing.regular.get(i) ? null : packed.usable(names.get(i), listing.ids.get(i));
      if (snaps[i] == null) {
        unparsed.add(i);
        // a changed file, or one that has settled since the cache was made, is worth caching anew
        rewrite |= ReadCache.settled(listing.ids.get(i), listedAt);
      }
    }
    // parsed in parallel: a cold domain of thousands of snapshots is bound by parsing
    List<ReadSnapshot> read = (unparsed.size() > 64 ? unparsed.parallelStream() : unparsed.stream()).map(i -> {
      Path p = dir.resolve(fileName(names.get(i)));
      try {
        return Codec.readSnapshot(p, read(p), names.get(i));
      } catch (IOException e) {
        throw failure("read snapshot metadata", p, e);
      }
    }).toList();
    Map<String, ObjectNode> json = new HashMap<>();
    for (int k = 0; k < read.size(); k++) {
      int i = unparsed.get(k);
      snaps[i] = read.get(k).snapshot();
      json.put(names.get(i), read.get(k).json());
    }
    // the cache holds the records in this order: if it supplied them all, they are sorted already
    List<Snapshot> snapshots = unparsed.isEmpty() && packed != null && packed.entries().size() == snaps.length
        ? packed.snapshots() : new ArrayList<>(Arrays.asList(snaps));
    snapshots.sort(BY_TIME);
    Optional<String> current = record == null ? Optional.empty() : record.current();
    Set<Path> owned = record == null ? Set.of() : Set.copyOf(record.ownedImages());
    DomainMetadata md;
    try {
      md = new DomainMetadata(domain, snapshots, current, owned,
          record == null ? Set.of() : Codec.readDeferred(dir.resolve(DOMAIN_FILE), record.json()));
    } catch (IllegalArgumentException e) {
      throw new CorruptMetadataException(dir, Problem.INCONSISTENT, e.getMessage() + " (run check for details)", e);
    }
    State s = new State(generation, md, json, record == null ? null : record.json(), false);
    if (names.isEmpty()) {
      ReadCache.delete(dir);
    } else if (rewrite) {
      try {
        Map<String, ReadCache.FileIdentity> ids = new HashMap<>();
        for (int i = 0; i < names.size(); i++) {
          ids.put(names.get(i), listing.ids.get(i));
        }
        List<ReadCache.Entry> entries = new ArrayList<>(snapshots.size());
        for (Snapshot x : md.snapshots()) {
          entries.add(new ReadCache.Entry(requireNonNull(ids.get(x.name())), x));
        }
        ReadCache.write(dir, domain, listedAt, entries);
      } catch (IOException e) {
        LOG.warn("domain {}: cannot write the read cache: {}", domain, e.toString());
      }
    }
    if (generation > 0) {
      cache.put(domain, s);
    } else {
      cache.remove(domain);
    }
    return s;
  }

  /**
   * The JSON a snapshot's file holds, to keep the fields this version does not know when it is
   * rewritten: as this store last read or wrote it, else read now (a record from the read cache).
   */
  private static @Nullable ObjectNode previousJson(Path dir, State state, String name) throws IOException {
    ObjectNode known = state.json().get(name);
    if (known != null) {
      return known;
    }
    Path file = dir.resolve(fileName(name));
    try {
      return Codec.readSnapshot(file, read(file), name).json();
    } catch (NoSuchFileException e) {
      return null; // removed behind the store's back: nothing to keep
    }
  }

  private static CompletableFuture<Optional<ReadCache.Contents>> readCacheAsync(UUID domain, Path dir) {
    return ReadCache.exists(dir) ? CompletableFuture.supplyAsync(() -> ReadCache.read(dir, domain))
        : CompletableFuture.completedFuture(Optional.empty());
  }

  /** The snapshot files of a directory and their identities, in the directory's order. */
  private static final class Listing {
    final List<String> names = new ArrayList<>();
    final List<ReadCache.FileIdentity> ids = new ArrayList<>();
    final List<Boolean> regular = new ArrayList<>();

    /** One entry (a method, not a loop body: see SnapshotTree). */
    void visit(Path dir, String n) throws IOException {
      if (n.startsWith(PREFIX) && n.endsWith(SUFFIX) && n.length() >= PREFIX.length() + SUFFIX.length()) {
        var attrs = Files.readAttributes(dir.resolve(n), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        names.add(n.substring(PREFIX.length(), n.length() - SUFFIX.length()));
        ids.add(ReadCache.FileIdentity.of(attrs));
        regular.add(attrs.isRegularFile());
      }
    }
  }

  private static byte[] read(Path file) throws IOException {
    try {
      return DurableFiles.readRegular(file);
    } catch (DurableFiles.NotRegularFileException e) {
      throw new CorruptMetadataException(file, Problem.NOT_A_REGULAR_FILE, "it is " + e.what(), e);
    } catch (NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      // the exception's message names the file, which the CorruptMetadataException names already
      String reason = e instanceof java.nio.file.FileSystemException f ? f.getReason() : e.getMessage();
      throw new CorruptMetadataException(file, Problem.UNREADABLE,
          e.getClass().getSimpleName() + (reason == null ? "" : ": " + reason), e);
    }
  }

  /**
   * Commits a change and applies it. The journal, the records the change writes and the new domain
   * record are written as temporary files and forced together; the journal's rename is the commit
   * point, made durable by a directory fsync; then the records and the domain record are renamed into
   * place and deletions made, one directory fsync makes them durable, and the journal is removed.
   *
   * <p>Throws only if nothing was committed: an error before the journal's rename removes the
   * temporary files and throws; an error forcing the directory right after it undoes the commit (the
   * journal removed) and throws, or, if the undo fails, goes on as committed. An error applying the
   * committed change is logged, the cached state dropped, and the journal left for the next access to
   * apply ({@link #recover}: the journal is applied again while the domain record's generation is not
   * past its own, which also covers a crash that kept the domain record's rename but not the
   * records').
   *
   * @param after the state once committed; called after the commit point
   */
  private void commit(Path dir, UUID domain, long generation, Map<String, ObjectNode> writes,
      List<String> deletes, ObjectNode domainJson, Supplier<State> after) throws IOException {
    ObjectNode json = Codec.newObject();
    json.put("format_version", Codec.FORMAT_VERSION);
    json.put("domain", domain.toString());
    json.put("generation", generation);
    ObjectNode w = json.putObject("write");
    writes.forEach(w::set);
    w.set(DOMAIN_FILE, domainJson);
    ArrayNode d = json.putArray("delete");
    deletes.forEach(d::add);
    Path journalFile = dir.resolve(JOURNAL_FILE);
    Journal.of(journalFile, json); // what is written is what a recovery would accept
    // the files the change writes, the journal first and the domain record last
    List<Path> files = new ArrayList<>(writes.size() + 2);
    List<byte[]> contents = new ArrayList<>(writes.size() + 2);
    files.add(journalFile);
    contents.add(Codec.bytes(json));
    writes.forEach((name, node) -> {
      files.add(dir.resolve(name));
      contents.add(Codec.bytes(node));
    });
    Path recordFile = dir.resolve(DOMAIN_FILE);
    files.add(recordFile);
    contents.add(Codec.bytes(domainJson));
    steps.accept("before-journal");
    writeTemporaries(files, contents);
    try {
      ops.rename(DurableFiles.temporaryOf(journalFile), journalFile);
    } catch (IOException e) {
      removeTemporaries(files, e);
      throw failure("write the snapshot journal", journalFile, e); // not renamed: nothing committed
    }
    try {
      ops.syncDirectory(dir);
    } catch (IOException e) {
      undoJournal(dir, journalFile, files, e); // throws, unless the undo failed: then committed
    }
    steps.accept("journal");
    cache.remove(domain); // the state cached is stale from here on
    try {
      State next = after.get();
      for (int i = 1; i < files.size() - 1; i++) {
        Path f = files.get(i);
        ops.rename(DurableFiles.temporaryOf(f), f);
        steps.accept("write " + f.getFileName());
      }
      for (String name : deletes) {
        ops.delete(dir.resolve(name));
        steps.accept("delete " + name);
      }
      ops.rename(DurableFiles.temporaryOf(recordFile), recordFile);
      steps.accept("record");
      ops.syncDirectory(dir);
      steps.accept("directory");
      ops.delete(journalFile); // a reappearing journal is applied again by its generation: the same change
      cache.put(domain, next);
    } catch (IOException | RuntimeException e) {
      LOG.warn("domain {}: change {} is committed, but applying it failed; the next access to the domain applies it",
          domain, generation, e);
    }
  }

  /**
   * Writes the temporary file of each file, then forces them all; on an error removes them and throws,
   * naming the file that failed.
   */
  private void writeTemporaries(List<Path> files, List<byte[]> contents) {
    Path at = files.get(0);
    try {
      for (int i = 0; i < files.size(); i++) {
        at = files.get(i);
        ops.write(DurableFiles.temporaryOf(at), contents.get(i));
      }
      steps.accept("temporaries");
      forceAll(files);
      steps.accept("forced");
    } catch (IOException | RuntimeException e) {
      removeTemporaries(files, e);
      if (e instanceof RuntimeException r) {
        throw r;
      }
      Path file = e instanceof FailedFile f ? f.file : at;
      IOException cause = e instanceof FailedFile f ? f.cause : (IOException) e;
      throw failure(file.equals(files.get(0)) ? "write the snapshot journal" : "write snapshot metadata", file, cause);
    }
  }

  /**
   * Forces the temporary file of each file ({@code fsync}), one after the other: forcing them in
   * parallel, on other threads, measured no faster (see {@code BENCHMARKS.md}, P2).
   */
  private void forceAll(List<Path> files) throws FailedFile {
    for (Path f : files) {
      try {
        ops.sync(DurableFiles.temporaryOf(f));
      } catch (IOException e) {
        throw new FailedFile(f, e);
      }
    }
  }

  /** The error of one of several files handled together, and which file it was. */
  private static final class FailedFile extends IOException {
    private static final long serialVersionUID = 1L;
    private final transient Path file;
    private final IOException cause;

    FailedFile(Path file, IOException cause) {
      super(file + ": " + cause.getMessage(), cause);
      this.file = file;
      this.cause = cause;
    }
  }

  /** Removes the temporary files of a change that did not commit, as far as it can. */
  private void removeTemporaries(List<Path> files, Exception failure) {
    for (Path f : files) {
      try {
        ops.delete(DurableFiles.temporaryOf(f));
      } catch (IOException | RuntimeException again) {
        failure.addSuppressed(again); // the next sweep of the directory removes it
      }
    }
  }

  /**
   * Settles an error forcing the directory right after the journal's rename: removes the journal (and
   * the temporary files), forces the directory again and throws; if the journal cannot be removed, the
   * change stands and this returns.
   */
  private void undoJournal(Path dir, Path journalFile, List<Path> files, IOException e) {
    try {
      ops.delete(journalFile);
    } catch (IOException | RuntimeException undo) {
      LOG.warn("{}: the directory could not be forced after the commit, nor the commit undone ({}); it stands",
          journalFile, undo.toString(), e);
      return;
    }
    removeTemporaries(files.subList(1, files.size()), e);
    try {
      ops.syncDirectory(dir);
    } catch (IOException again) {
      e.addSuppressed(again); // undone as far as any reader can see; a crash may still bring it back
    }
    throw failure("fsync directory", dir, e);
  }

  /**
   * Replaces or removes a file as the commit point of a change: durably, and settling the outcome of an
   * error forcing the directory after the rename or removal (the commit): the change is undone (the
   * previous content put back, or the file removed) and an exception thrown; if the undo fails, the
   * change stands and this returns.
   *
   * @param content the new content, or {@code null} to remove the file
   * @param previous the content before, or {@code null} if there was no file
   * @throws XlsnapIOException if nothing was committed
   */
  private void commitFile(Path file, byte @Nullable [] content, byte @Nullable [] previous, String operation) {
    Path dir = DurableFiles.parentOf(file);
    try {
      if (content != null) {
        DurableFiles.replace(ops, file, content, false);
      } else if (!ops.delete(file)) {
        return;
      }
    } catch (IOException e) {
      throw failure(operation, file, e); // the rename or removal did not happen: nothing changed
    }
    try {
      ops.syncDirectory(dir);
    } catch (IOException e) {
      try {
        if (previous != null) {
          DurableFiles.replace(ops, file, previous, false);
        } else {
          ops.delete(file);
        }
      } catch (IOException | RuntimeException undo) {
        LOG.warn("{}: the directory could not be forced after the commit, nor the commit undone ({}); it stands",
            file, undo.toString(), e);
        return;
      }
      try {
        ops.syncDirectory(dir);
      } catch (IOException again) {
        e.addSuppressed(again); // undone as far as any reader can see; a crash may still bring it back
      }
      throw failure("fsync directory", dir, e);
    }
  }

  /**
   * A journal: the full new content of the files a change writes, the files it deletes and the new
   * domain record, checked whole before any of it is applied.
   */
  private record Journal(long generation, Map<String, JsonNode> writes, List<String> deletes, JsonNode domainJson) {
    static Journal of(Path file, ObjectNode journal) {
      JsonNode g = journal.get("generation");
      if (g == null || !g.isIntegralNumber() || !g.canConvertToLong()) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "generation is not an integer", null);
      }
      JsonNode w = journal.get("write");
      JsonNode d = journal.get("delete");
      if (w == null || !w.isObject() || d == null || !d.isArray()) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "a journal needs a write object and a delete array", null);
      }
      Map<String, JsonNode> writes = new LinkedHashMap<>();
      JsonNode domainJson = null;
      for (var it = w.fields(); it.hasNext(); ) {
        var e = it.next();
        checkJournalName(file, e.getKey());
        if (!e.getValue().isObject()) {
          throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "write." + e.getKey() + " is not an object", null);
        }
        if (e.getKey().equals(DOMAIN_FILE)) {
          domainJson = e.getValue();
        } else {
          writes.put(e.getKey(), e.getValue());
        }
      }
      List<String> deletes = new ArrayList<>();
      for (JsonNode n : d) {
        if (!n.isTextual()) {
          throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "delete[] is not a string", null);
        }
        checkJournalName(file, n.textValue());
        deletes.add(n.textValue());
      }
      if (domainJson == null) {
        throw new CorruptMetadataException(file, Problem.WRONG_TYPE, "the journal does not write the domain record", null);
      }
      return new Journal(g.longValue(), writes, deletes, domainJson);
    }
  }

  /**
   * Applies a journal found on disk, each file durably in turn: the records, the deletions, one
   * directory fsync, the domain record (forced), the journal's removal. Idempotent: applying a journal
   * again writes the same files.
   */
  private void apply(Path dir, Journal journal) throws IOException {
    for (var e : journal.writes().entrySet()) {
      DurableFiles.replace(ops, dir.resolve(e.getKey()), Codec.bytes(e.getValue()), false);
    }
    for (String name : journal.deletes()) {
      ops.delete(dir.resolve(name));
    }
    ops.syncDirectory(dir);
    DurableFiles.replace(ops, dir.resolve(DOMAIN_FILE), Codec.bytes(journal.domainJson()), true);
    ops.delete(dir.resolve(JOURNAL_FILE)); // a reappearing journal is applied again: the same change
  }

  private static void checkJournalName(Path journal, String name) {
    if (name.equals(DOMAIN_FILE)) {
      return;
    }
    if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX) || name.length() <= PREFIX.length() + SUFFIX.length()) {
      throw new CorruptMetadataException(journal, Problem.BAD_NAME, "the journal names file '" + name + "'", null);
    }
    String snapshot = name.substring(PREFIX.length(), name.length() - SUFFIX.length());
    try {
      checkNameBudget(snapshot);
    } catch (InvalidSnapshotSpecException e) {
      throw new CorruptMetadataException(journal, Problem.BAD_NAME, "the journal names file '" + name + "', of a "
          + "snapshot this store cannot hold (" + e.getMessage() + "); an older xlsnap may have written it", e);
    }
  }

  /**
   * Completes a committed change and, after one or if {@code sweep}, removes temporary files (a
   * directory listing, so not on every load); under the domain's lock.
   *
   * <p>A journal is applied if its generation is past the domain record's (committed, not or not
   * wholly applied) or equal to it: a commit renames the domain record into place before the
   * directory fsync that makes the records' renames durable, so after a crash the domain record may
   * carry the journal's generation while records are still old; and a journal whose removal failed
   * or did not survive a crash is the same change, whose application writes the same files again.
   * Only the journal of the last change can be there (each commit writes the one journal file), so
   * applying it again never goes back. A journal behind the domain record is stale and removed.
   *
   * @throws CorruptMetadataException naming the journal (or the domain record), if it cannot be used
   * @throws XlsnapIOException naming the journal, if applying it failed
   */
  private Void recover(UUID domain, Path dir, boolean sweep) throws IOException {
    Path journalFile = dir.resolve(JOURNAL_FILE);
    if (Files.exists(journalFile, LinkOption.NOFOLLOW_LINKS)) {
      Journal journal = Journal.of(journalFile, Codec.parseObject(journalFile, read(journalFile)));
      Path recordFile = dir.resolve(DOMAIN_FILE);
      long applied = Files.exists(recordFile, LinkOption.NOFOLLOW_LINKS)
          ? Codec.readDomain(recordFile, read(recordFile)).generation() : 0;
      if (journal.generation() >= applied) {
        LOG.warn("domain {}: completing change {}, committed but not {} (journal {})", domain,
            journal.generation(), journal.generation() > applied ? "applied" : "known to be durably applied",
            journalFile);
        cache.remove(domain);
        try {
          apply(dir, journal);
        } catch (IOException e) {
          throw failure("apply the journal", journalFile, e);
        }
        sweep = true;
      } else {
        ops.delete(journalFile);
      }
    }
    if (!sweep) {
      return null;
    }
    // names only (java.io.File.list makes no Path per entry): this runs for every domain on open
    String[] names = dir.toFile().list();
    if (names == null) {
      throw new IOException("cannot list " + dir);
    }
    for (String n : names) {
      sweep(domain, dir, n);
    }
    return null;
  }

  private void sweep(UUID domain, Path dir, String name) throws IOException {
    if (DurableFiles.isTemporary(name)) {
      Path p = dir.resolve(name);
      LOG.info("domain {}: removing temporary file {} left by an interrupted write", domain, p);
      ops.delete(p);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // helpers

  @FunctionalInterface
  private interface Locked<T> {
    T run(Path dir) throws IOException;
  }

  /**
   * Runs {@code body} under the domain's short lock; an I/O error it meets is thrown as an
   * {@link XlsnapIOException} naming {@code operation} and the file concerned.
   */
  private <T> T withLock(UUID domain, String operation, Locked<T> body) {
    Path dir = dataDirectory(domain);
    try {
      checkDomainDirectory(dir);
      try (DomainLock.Held held = DomainLock.acquire(dir)) {
        return body.run(dir);
      }
    } catch (IOException e) {
      throw failure(operation, fileOf(e, dir), e);
    }
  }

  private static void checkDomainDirectory(Path dir) throws IOException {
    var attrs = Files.readAttributes(dir, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isDirectory()) {
      throw new CorruptMetadataException(dir, Problem.NOT_A_REGULAR_FILE,
          attrs.isSymbolicLink() ? "a domain directory is a symbolic link" : "a domain directory is not a directory", null);
    }
  }

  private Path createDomainDirectory(UUID domain) {
    Path dir = dataDirectory(domain);
    try {
      DurableFiles.createPrivateDirectory(dir);
    } catch (IOException e) {
      throw failure("create domain directory", dir, e);
    }
    return dir;
  }

  /** The typed exception for an I/O error: cancelled if it was an interrupt, else {@link XlsnapIOException}. */
  private static XlsnapException failure(String operation, Path file, IOException e) {
    if (e instanceof InterruptedIOException || e instanceof ClosedByInterruptException) {
      Thread.currentThread().interrupt();
      return new OperationCancelledException("interrupted: " + operation + " " + file, e);
    }
    return new XlsnapIOException(operation, file, e);
  }

  /** The file an I/O error names, else {@code otherwise}. */
  private static Path fileOf(IOException e, Path otherwise) {
    if (e instanceof FileSystemException f && f.getFile() != null) {
      try {
        return Path.of(f.getFile());
      } catch (java.nio.file.InvalidPathException bad) {
        return otherwise;
      }
    }
    return otherwise;
  }

  private List<UUID> domainDirectories() {
    List<UUID> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        try {
          UUID u = UUID.fromString(n);
          if (u.toString().equals(n) && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
            out.add(u);
          }
        } catch (IllegalArgumentException e) {
          // not a domain directory
        }
      }
    } catch (IOException e) {
      throw failure("list snapshot store", root, e);
    }
    return out;
  }

  private static String fileName(String snapshot) {
    return PREFIX + snapshot + SUFFIX;
  }

  private static List<Path> sorted(Set<Path> paths) {
    List<Path> l = new ArrayList<>(paths);
    l.sort(Comparator.naturalOrder());
    return l;
  }

  @Override
  public String toString() {
    return "JsonSnapshotStore[" + root + "]";
  }
}
