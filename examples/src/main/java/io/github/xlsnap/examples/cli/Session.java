package io.github.xlsnap.examples.cli;

import java.io.PrintWriter;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainNotFoundException;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.ProgressListener;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.libxl.Libxl;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.Optional;

/**
 * What one command works on: the host named by {@code --connect} and the snapshot store named by
 * {@code --store}. Closes the host when done.
 */
final class Session implements AutoCloseable {
  /** The default store of the seed design. */
  static final Path DEFAULT_STORE = Path.of("/var/lib/xen/snapshots");

  final Hypervisor hypervisor;
  private final Stores.Spec storeSpec;
  private final Path dataRoot;
  private final Optional<String> hostId;
  private final Optional<ProgressListener> progress;
  private SnapshotManager manager;
  private SnapshotStore store;

  private Session(Hypervisor hypervisor, Stores.Spec storeSpec, Path dataRoot, Optional<String> hostId,
      Optional<ProgressListener> progress) {
    this.hypervisor = hypervisor;
    this.storeSpec = storeSpec;
    this.dataRoot = dataRoot;
    this.hostId = hostId;
    this.progress = progress;
  }

  /** The manager over this host and the store, opened on first use (listing domains needs no store). */
  SnapshotManager manager() {
    if (manager == null) {
      SnapshotManager.Builder b = SnapshotManager.builder(hypervisor, store());
      progress.ifPresent(b::progressListener);
      manager = b.build();
    }
    return manager;
  }

  /**
   * Finishes or undoes what a run killed in the middle of an operation on this domain left recorded,
   * saying so on stderr; other domains are not touched, nor waited for.
   */
  void recover(DomainSelector domain, PrintWriter err) {
    Optional<UUID> uuid = domain instanceof DomainSelector.ByUuid byUuid ? Optional.of(byUuid.uuid())
        : hypervisor.find(domain).map(i -> i.ref().uuid());
    uuid.flatMap(u -> manager().recover(u)).ifPresent(r -> err.println("xlsnap: recovered an interrupted "
        + r.operation() + " of snapshot '" + r.snapshot() + "' (" + (r.completed() ? "completed" : "undone") + "): "
        + String.join("; ", r.actions())));
  }

  /**
   * Opens the host {@code connect} names and, on first use, the store {@code store} names (a directory or
   * a PostgreSQL URL; default the host's store directory); a PostgreSQL store keeps memory images under
   * {@code dataRoot}, default the host's store directory, and records {@code hostId}, default the host name.
   */
  static Session open(String connect, Optional<String> store, Optional<Path> dataRoot, Optional<String> hostId,
      Optional<ProgressListener> progress) {
    Optional<Stores.Spec> spec = store.map(Stores::parse);
    URI uri;
    try {
      uri = URI.create(connect);
    } catch (IllegalArgumentException e) {
      throw new ExitCodes.UsageException("--connect " + connect + ": not a URI (" + e.getMessage() + ")");
    }
    String scheme = String.valueOf(uri.getScheme());
    if ("sim".equals(scheme) && uri.getRawAuthority() != null && !uri.getRawAuthority().isEmpty()) {
      // sim://tmp/x would name the directory /x on a host "tmp"
      throw new ExitCodes.UsageException("--connect " + connect + ": a " + scheme + ": URI has no host part; "
          + "write " + scheme + ":///" + uri.getRawAuthority() + uri.getRawPath() + " (three slashes) for the directory /"
          + uri.getRawAuthority() + uri.getRawPath());
    }
    switch (scheme) {
      case "sim" -> {
        Path dir = simDirectory(uri, connect);
        if (!Files.isDirectory(dir)) {
          throw new ExitCodes.UsageException("--connect " + connect + ": no simulated host in " + dir
              + " (create one with: xlsnap sim-init " + dir + ")");
        }
        Path defaultDir = dir.resolve("snapshots");
        return new Session(SimulatedHypervisor.open(dir), spec.orElse(new Stores.Directory(defaultDir)),
            dataRoot.orElse(defaultDir), hostId, progress);
      }
      case "xen" -> {
        if (!"/system".equals(uri.getPath())) {
          throw new ExitCodes.UsageException("--connect " + connect + ": the local Xen host is xen:///system");
        }
        // the local Xen host through libxl; a host without Xen is a typed error naming what is missing
        return new Session(Libxl.open(), spec.orElse(new Stores.Directory(DEFAULT_STORE)),
            dataRoot.orElse(DEFAULT_STORE), hostId, progress);
      }
      default -> throw new ExitCodes.UsageException("--connect " + connect
          + ": unknown scheme; use sim:///<dir> or xen:///system");
    }
  }

  static Path simDirectory(URI uri, String connect) {
    String path = uri.getPath();
    if (path == null || path.isEmpty() || path.equals("/")) {
      throw new ExitCodes.UsageException("--connect " + connect + ": a sim: URI names a directory, e.g. sim:///tmp/host");
    }
    return Path.of(path).toAbsolutePath();
  }

  /**
   * Whether the snapshot store exists, so that reading it creates nothing: a JSON store's directory, or
   * a PostgreSQL store (which the database holds).
   */
  boolean storeExists() {
    return !(storeSpec instanceof Stores.Directory d) || java.nio.file.Files.isDirectory(d.root());
  }

  /** The snapshot store, opened on first use. */
  SnapshotStore store() {
    if (store == null) {
      store = Stores.open(storeSpec, dataRoot, hostId, System.getenv());
    }
    return store;
  }

  DomainInfo domain(DomainSelector selector) {
    return hypervisor.find(selector).orElseThrow(() -> new DomainNotFoundException(selector.toString()));
  }

  @Override
  public void close() {
    try {
      if (store instanceof AutoCloseable closeable) {
        closeable.close(); // the PostgreSQL store's connections
      }
    } catch (Exception e) {
      throw new IllegalStateException("cannot close the snapshot store: " + e.getMessage(), e);
    } finally {
      hypervisor.close();
    }
  }
}
