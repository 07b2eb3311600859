package io.github.xlsnap.store.postgres;

import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Metadata for the module's tests. */
final class Fixtures {
  static final Instant T0 = Instant.parse("2026-12-01T10:00:00.123456789Z");

  private Fixtures() {}

  /** A chain s0 -> s1 -> ... of {@code n} snapshots described so, the last current. */
  static DomainMetadata chain(UUID domain, int n, String description) {
    List<Snapshot> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(new Snapshot("s" + i, T0.plusSeconds(i), description, i == 0 ? Optional.empty() : Optional.of("s" + (i - 1)),
          i == n - 1 ? List.of() : List.of("s" + (i + 1)), DomainState.RUNNING, false, Optional.empty(),
          Optional.empty(), List.of(DiskSnapshot.none("xvda")), Optional.empty()));
    }
    return new DomainMetadata(domain, all, n == 0 ? Optional.empty() : Optional.of("s" + (n - 1)), Set.of());
  }
}
