package io.github.xlsnap.core.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * A {@link SnapshotStore} that keeps metadata in memory, for tests and for embedders that keep
 * metadata elsewhere. Saves are atomic (one reference swap). Memory images still go to files, under
 * {@code <dataRoot>/<domain-uuid>/}. Thread-safe.
 */
public final class InMemorySnapshotStore implements SnapshotStore {
  private final Path dataRoot;
  private final ConcurrentMap<UUID, DomainMetadata> byDomain = new ConcurrentHashMap<>();
  private final ConcurrentMap<UUID, String> intents = new ConcurrentHashMap<>();

  /**
   * Creates an empty store.
   *
   * @param dataRoot the directory under which each domain's snapshot files go; absolute
   */
  public InMemorySnapshotStore(Path dataRoot) {
    requireNonNull(dataRoot, "dataRoot");
    checkArgument(dataRoot.isAbsolute(), "data root %s is not absolute", dataRoot);
    this.dataRoot = dataRoot;
  }

  @Override
  public DomainMetadata load(UUID domain) {
    requireNonNull(domain, "domain");
    return byDomain.getOrDefault(domain, DomainMetadata.empty(domain));
  }

  @Override
  public void save(DomainMetadata metadata) {
    requireNonNull(metadata, "metadata");
    if (metadata.isEmpty()) {
      byDomain.remove(metadata.domain());
    } else {
      byDomain.put(metadata.domain(), metadata);
    }
  }

  @Override
  public void saveIntent(UUID domain, Optional<String> intent) {
    requireNonNull(domain, "domain");
    intent.ifPresentOrElse(i -> intents.put(domain, i), () -> intents.remove(domain));
  }

  @Override
  public Optional<String> loadIntent(UUID domain) {
    return Optional.ofNullable(intents.get(requireNonNull(domain, "domain")));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Includes the domains that have only a pending intent, for the manager to recover.
   */
  @Override
  public Set<UUID> domains() {
    Set<UUID> out = new HashSet<>(byDomain.keySet());
    out.addAll(intents.keySet());
    return Set.copyOf(out);
  }

  @Override
  public Path dataDirectory(UUID domain) {
    return dataRoot.resolve(domain.toString());
  }
}
