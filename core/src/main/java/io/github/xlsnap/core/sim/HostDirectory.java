package io.github.xlsnap.core.sim;

import static com.google.common.base.Preconditions.checkState;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DomainNotFoundException;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.DomainStateException;
import io.github.xlsnap.core.HypervisorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.function.Function;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of one simulated host and the lock that guards them. Every method but {@link #locked}
 * must be called with the lock held. Layout:
 *
 * <pre>
 * host.properties                    format version, next domid
 * lock                               the OS lock file
 * domains/UUID/domain.properties     a domain's configuration, domid and state flags
 * domains/UUID/memory.bin            its memory
 * domains/UUID/dirty-pages.bitmap    its dirty pages, while a live checkpoint runs
 * domains/UUID/disks/TARGET.FORMAT   the images created with the domain
 * </pre>
 */
final class HostDirectory {
  private static final Logger LOG = LoggerFactory.getLogger(HostDirectory.class);

  /** The version of the state files' format; files of another version are refused. */
  static final int FORMAT_VERSION = 1;

  private static final String HOST_FILE = "host.properties";
  private static final String DOMAIN_FILE = "domain.properties";

  private final Path root;
  private final Path domains;
  private final HostLock lock;

  /** An action on the host's files, run with the lock held. */
  @FunctionalInterface
  interface Action<T> {
    T run() throws IOException;
  }

  private HostDirectory(Path root, HostLock lock) {
    this.root = root;
    this.domains = root.resolve("domains");
    this.lock = lock;
  }

  /**
   * Opens a host directory, creating it if absent. Call {@link #close} when done.
   *
   * @param directory the host directory
   */
  static HostDirectory open(Path directory) {
    Path root;
    try {
      Files.createDirectories(directory.resolve("domains"));
      root = directory.toRealPath();
    } catch (IOException e) {
      throw new HypervisorException("open", 0, "cannot create the simulated host " + directory + ": " + e, e);
    }
    HostDirectory host = new HostDirectory(root, HostLock.acquire(root, root.resolve("lock")));
    try {
      host.locked("open", () -> {
        host.checkOrCreateHostFile();
        return null;
      });
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
    return host;
  }

  Path root() {
    return root;
  }

  void close() {
    lock.release();
  }

  /**
   * Runs an action with the host locked against other threads and processes.
   *
   * @param operation the primitive, named in a {@link HypervisorException} if an I/O error escapes
   */
  <T> T locked(String operation, Action<T> action) {
    try {
      lock.lock();
    } catch (IOException e) {
      throw new HypervisorException(operation, 0, "cannot lock the simulated host " + root + ": " + e, e);
    }
    try {
      return action.run();
    } catch (IOException e) {
      throw new HypervisorException(operation, 0, "simulated host " + root + ": " + e, e);
    } finally {
      try {
        lock.unlock();
      } catch (IOException e) {
        // the OS lock goes with the channel even when closing it reports an error
        LOG.warn("closing the lock file of the simulated host {} failed", root, e);
      }
    }
  }

  /**
   * Returns a guest domain's state, checking that the ref still names it.
   *
   * @param operation what is attempted, for the message when the ref is Domain-0
   * @throws DomainStateException if the ref is Domain-0
   * @throws DomainNotFoundException if no domain has the ref's UUID and domid
   */
  DomainRecord requireGuest(DomainRef ref, String operation) throws IOException {
    if (ref.uuid().equals(SimulatedHypervisor.DOM0_UUID)) {
      throw new DomainStateException(operation + " is not possible on " + SimulatedHypervisor.DOM0_NAME,
          DomainState.RUNNING);
    }
    return load(ref.uuid()).filter(d -> d.domid() == ref.domid())
        .orElseThrow(() -> new DomainNotFoundException(ref.toString()));
  }

  /** Returns the domain with a UUID, empty if there is none. */
  Optional<DomainRecord> load(UUID uuid) throws IOException {
    checkLocked();
    Path file = domainDirectory(uuid).resolve(DOMAIN_FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    DomainRecord record = parse(file, DomainRecord::read);
    if (!record.config().uuid().equals(uuid)) {
      throw corrupt(file, "its UUID " + record.config().uuid() + " is not its directory's", null);
    }
    return Optional.of(record);
  }

  /** Returns every guest domain, by domid. */
  List<DomainRecord> loadAll() throws IOException {
    checkLocked();
    List<DomainRecord> all = new ArrayList<>();
    try (Stream<Path> directories = Files.list(domains)) {
      for (Path directory : directories.collect(Collectors.toList())) {
        Optional<UUID> uuid = parseUuid(directory.getFileName().toString());
        if (uuid.isPresent()) {
          load(uuid.get()).ifPresent(all::add);
        }
      }
    }
    all.sort(Comparator.comparingInt(DomainRecord::domid));
    return all;
  }

  /** Writes a domain's state file atomically, creating its directory if needed. */
  void save(DomainRecord record) throws IOException {
    checkLocked();
    Path directory = domainDirectory(record.config().uuid());
    Files.createDirectories(directory);
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("format", Integer.toString(FORMAT_VERSION));
    record.putEntries(entries);
    AtomicFiles.write(directory.resolve(DOMAIN_FILE), PropertiesText.format("xlsnap simulated domain", entries));
  }

  /**
   * Deletes a domain's instance: its state file first (from then on it does not exist), then its
   * memory and dirty page log. Disk images stay: they are the user's data.
   */
  void deleteInstance(UUID uuid) throws IOException {
    checkLocked();
    AtomicFiles.delete(domainDirectory(uuid).resolve(DOMAIN_FILE));
    Files.deleteIfExists(memoryFile(uuid));
    Files.deleteIfExists(dirtyPageLog(uuid));
  }

  /**
   * Hands out a domid no domain has, counting up from the last one handed out and wrapping around,
   * as Xen does.
   *
   * @param used the domids in use
   */
  int allocateDomid(Set<Integer> used) throws IOException {
    checkLocked();
    Path file = root.resolve(HOST_FILE);
    int next = parse(file, text -> {
      int domid = text.intValue("next.domid");
      if (domid < 1 || domid > DomainRef.MAX_DOMID) {
        throw new IllegalArgumentException("key 'next.domid': " + domid + " is out of range");
      }
      return domid;
    });
    for (int tried = 0; tried < DomainRef.MAX_DOMID; tried++) {
      int domid = next;
      next = next == DomainRef.MAX_DOMID ? 1 : next + 1;
      if (!used.contains(domid)) {
        writeHostFile(next);
        return domid;
      }
    }
    throw new HypervisorException("allocateDomid", 0, "simulated host " + root + " has no free domid", null);
  }

  Path domainDirectory(UUID uuid) {
    return domains.resolve(uuid.toString());
  }

  Path memoryFile(UUID uuid) {
    return domainDirectory(uuid).resolve("memory.bin");
  }

  Path dirtyPageLog(UUID uuid) {
    return domainDirectory(uuid).resolve("dirty-pages.bitmap");
  }

  Path diskImage(UUID uuid, String target, DiskFormat format) {
    return domainDirectory(uuid).resolve("disks").resolve(target + "." + format.xlName());
  }

  private void checkOrCreateHostFile() throws IOException {
    Path file = root.resolve(HOST_FILE);
    if (Files.exists(file)) {
      parse(file, text -> text.intValue("next.domid"));
    } else {
      writeHostFile(1);
    }
  }

  private void writeHostFile(int nextDomid) throws IOException {
    Map<String, String> entries = new LinkedHashMap<>();
    entries.put("format", Integer.toString(FORMAT_VERSION));
    entries.put("next.domid", Integer.toString(nextDomid));
    AtomicFiles.write(root.resolve(HOST_FILE), PropertiesText.format("xlsnap simulated host", entries));
  }

  /** Reads a state file of this format version with a reader that may throw IllegalArgumentException. */
  private <T> T parse(Path file, Function<PropertiesText, T> reader) throws IOException {
    String content = Files.readString(file, StandardCharsets.UTF_8);
    try {
      PropertiesText text = PropertiesText.parse(content);
      int version = text.intValue("format");
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException("format version " + version + " is not the supported "
            + FORMAT_VERSION);
      }
      return reader.apply(text);
    } catch (IllegalArgumentException e) {
      throw corrupt(file, e.getMessage(), e);
    }
  }

  private static HypervisorException corrupt(Path file, String what, @Nullable Throwable cause) {
    return new HypervisorException("read", 0, "state file " + file + " of the simulated host is not valid: "
        + what, cause);
  }

  private void checkLocked() {
    checkState(lock.isHeldByCurrentThread(), "simulated host %s is not locked", root);
  }

  private static Optional<UUID> parseUuid(String name) {
    try {
      UUID uuid = UUID.fromString(name);
      return uuid.toString().equals(name) ? Optional.of(uuid) : Optional.empty();
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
