package io.github.xlsnap.store;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.FileStamp;
import io.github.xlsnap.core.ShutdownReason;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainConfiguration;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Snapshots and metadata for tests. */
final class Fixtures {
  static final UUID DOMAIN = UUID.fromString("5e9e4b3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
  static final Instant T0 = Instant.parse("2026-11-25T22:31:05.123456789Z");

  private Fixtures() {}

  static Snapshot plain(String name, Optional<String> parent, List<String> children, int second) {
    return new Snapshot(name, T0.plusSeconds(second), "", parent, children, DomainState.RUNNING, false,
        Optional.empty(), Optional.empty(), List.of(DiskSnapshot.none("xvda")));
  }

  /** A snapshot using every field. */
  static Snapshot rich(String name, Optional<String> parent, List<String> children) {
    return new Snapshot(name, T0, "taken by the upgrade job \"quoted\" \u00e9", parent, children,
        new DomainState(false, true, true, false, Optional.of(ShutdownReason.SUSPEND)), true,
        Optional.of(Path.of("/var/lib/xen/snapshots/x/" + name + ".memory")),
        Optional.of(new FileStamp(4096, T0.plusSeconds(3))),
        List.of(DiskSnapshot.internal("xvda", Path.of("/img/a.qcow2"), "xlsnap-abc"),
            DiskSnapshot.external("xvdb", Path.of("/img/b.raw"), DiskFormat.RAW, Path.of("/img/b-1.qcow2"),
                Optional.of(new FileStamp(1 << 20, T0))),
            DiskSnapshot.none("xvdc")),
        Optional.of(new DomainConfiguration("libxl", "{\n  \"c_info\": {\"name\": \"vm \u00e9\"}\n}\n")));
  }

  /** A chain a -> b -> c, current c. */
  static DomainMetadata chain(UUID domain, int n) {
    List<Snapshot> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      all.add(plain("s" + i, i == 0 ? Optional.empty() : Optional.of("s" + (i - 1)),
          i == n - 1 ? List.of() : List.of("s" + (i + 1)), i));
    }
    return new DomainMetadata(domain, all, n == 0 ? Optional.empty() : Optional.of("s" + (n - 1)), Set.of());
  }

  /** Adds a child of the current snapshot, as a create does. */
  static DomainMetadata create(DomainMetadata md, String name, int second) {
    List<Snapshot> all = new ArrayList<>();
    for (Snapshot s : md.snapshots()) {
      if (md.current().equals(Optional.of(s.name()))) {
        List<String> kids = new ArrayList<>(s.children());
        kids.add(name);
        s = s.withRelations(s.parent(), kids);
      }
      all.add(s);
    }
    all.add(plain(name, md.current(), List.of(), second));
    return new DomainMetadata(md.domain(), all, Optional.of(name), md.ownedImages());
  }
}
