package io.github.xlsnap.examples;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.XlsnapException;
import io.github.xlsnap.core.spi.Hypervisor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A retention job: keeps the newest {@code keep} snapshots of every domain and deletes the older ones
 * with merge, so that the kept snapshots still revert to exactly their state. A failure on one domain
 * is reported and the job goes on with the next.
 */
public final class RetentionJob {
  private final Hypervisor hypervisor;
  private final SnapshotManager manager;
  private final int keep;

  /**
   * Creates the job.
   *
   * @param hypervisor the host whose domains are visited
   * @param manager the manager over that host
   * @param keep how many snapshots to keep per domain, at least 1
   */
  public RetentionJob(Hypervisor hypervisor, SnapshotManager manager, int keep) {
    if (keep < 1) {
      throw new IllegalArgumentException("keep must be at least 1, not " + keep);
    }
    this.hypervisor = requireNonNull(hypervisor, "hypervisor");
    this.manager = requireNonNull(manager, "manager");
    this.keep = keep;
  }

  /**
   * Runs the job once over every domain but Domain-0.
   *
   * @return per domain name, the snapshots deleted, oldest first; domains that failed map to an
   *     error line instead
   */
  public Map<String, List<String>> run() {
    Map<String, List<String>> report = new TreeMap<>();
    for (DomainInfo d : hypervisor.listDomains()) {
      if (d.ref().domid() == 0) {
        continue;
      }
      DomainSelector domain = DomainSelector.byUuid(d.ref().uuid());
      List<String> deleted = new ArrayList<>();
      try {
        List<Snapshot> byAge = manager.list(domain, ListQuery.all()); // oldest first
        for (Snapshot old : byAge.subList(0, Math.max(0, byAge.size() - keep))) {
          manager.delete(domain, old.name(), DeleteMode.MERGE);
          deleted.add(old.name());
        }
        report.put(d.ref().name(), deleted);
      } catch (XlsnapException e) {
        deleted.add("error: " + e.getMessage());
        report.put(d.ref().name(), deleted);
      }
    }
    return report;
  }
}
