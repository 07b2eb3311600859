package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.Recovery;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.XlsnapException;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.core.spi.SnapshotStore;
import io.github.xlsnap.store.JsonSnapshotStore;
import io.github.xlsnap.store.RepairReport;
import io.github.xlsnap.store.StoreFinding;
import io.github.xlsnap.store.postgres.PostgresSnapshotStore;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code snapshot-check}: the store's check and repair, findings one a line. */
@Command(name = "snapshot-check", mixinStandardHelpOptions = true,
    description = "Check the snapshot metadata of one domain, or of every domain in the store; with --repair, "
        + "fix what can be fixed without guessing and quarantine the rest. Exit code 1 if problems remain. On a "
        + "PostgreSQL store: every row is decoded, the files the metadata names are looked for, pending operations "
        + "and a data root that is not the pool's shared one are reported; it has no --repair.")
final class CheckCommand implements Callable<Integer> {
  @ParentCommand Xlsnap root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "<domain>",
      description = "The domain: a name, UUID or domid (a UUID if the domain no longer exists).")
  String domain;

  @Option(names = "--repair", description = "Repair what can be repaired; quarantine, never delete.")
  boolean repair;

  @Option(names = "--abandon", description = "Give up the record of an interrupted operation that cannot be "
      + "recovered (an operation on the domain fails with 'cannot recover'): nothing else changes, its files "
      + "are kept. Needs <domain>.")
  boolean abandon;

  @Option(names = "--take-over", paramLabel = "<host>", description = "Take over the interrupted operation that "
      + "<host> of the pool recorded, that host being down for good (a pool-wide store): the metadata and the files "
      + "are put right from here, nothing a domain may have written to is deleted, and what was kept is listed. "
      + "Needs <domain>.")
  String takeOver;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    int remaining = 0;
    if (abandon && domain == null) {
      throw new ExitCodes.UsageException("--abandon needs <domain>");
    }
    if (takeOver != null && (domain == null || abandon || repair)) {
      throw new ExitCodes.UsageException(domain == null ? "--take-over needs <domain>"
          : "--take-over goes with neither --abandon nor --repair");
    }
    try (Session s = root.session(Optional.empty())) {
      if (takeOver != null) {
        UUID d = uuid(s);
        Optional<Recovery> r;
        try {
          r = s.manager().takeOver(d, takeOver);
        } catch (IllegalArgumentException e) {
          throw new ExitCodes.UsageException(e.getMessage());
        }
        if (r.isEmpty()) {
          out.println(d + " has no interrupted operation");
        } else {
          out.println(d + " took over the " + r.get().operation() + " of snapshot '" + r.get().snapshot() + "' from host "
              + takeOver + ": " + (r.get().completed() ? "completed" : "undone"));
          r.get().actions().forEach(a -> out.println("  " + a));
        }
        out.flush();
        return ExitCodes.OK;
      }
      if (abandon) {
        UUID d = uuid(s);
        Optional<String> record = s.manager().abandon(d);
        out.println(record.isPresent() ? d + " abandoned the record of an interrupted operation; its files are kept:"
            : d + " has no interrupted operation");
        record.ifPresent(r -> r.lines().forEach(l -> out.println("  " + l)));
        out.flush();
        return ExitCodes.OK;
      }
      if (!(s.store() instanceof JsonSnapshotStore store)) {
        return checkOtherStore(s, out);
      }
      List<UUID> domains = domain == null ? store.domains().stream().sorted().toList() : List.of(uuid(s));
      for (UUID d : domains) {
        if (repair) {
          RepairReport r = store.repair(d);
          for (Path q : r.quarantined()) {
            out.println(d + " quarantined " + q);
          }
          for (StoreFinding f : r.found()) {
            out.println(d + " " + (r.remaining().contains(f) ? "" : "repaired ") + f);
          }
          remaining += r.remaining().size();
        } else {
          List<StoreFinding> findings = store.check(d);
          findings.forEach(f -> out.println(d + " " + f));
          remaining += findings.size();
        }
      }
    }
    out.flush();
    return remaining == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  /**
   * The check of a store that has none of its own (the PostgreSQL store, whose saves are transactions and
   * which has no files to be torn): every domain's metadata is loaded, which decodes every row and checks
   * the tree; then the files it names are looked for; a pending operation and, for the PostgreSQL store, a
   * data root that is not the pool's shared one are reported. Findings in the JSON store's words.
   */
  private int checkOtherStore(Session s, PrintWriter out) {
    if (repair) {
      throw new ExitCodes.UsageException("--repair: the " + s.store().getClass().getSimpleName() + " has no repair "
          + "(its saves are transactions; a row that does not decode is named by the error, to be fixed in the "
          + "database); run snapshot-check without --repair");
    }
    SnapshotStore store = s.store();
    int problems = 0;
    if (store instanceof PostgresSnapshotStore pg && pg.dataRootProblem().isPresent()) {
      out.println("DATA_ROOT " + pg.dataRoot() + ": " + pg.dataRootProblem().get());
      problems++;
    }
    List<UUID> domains = domain == null ? store.domains().stream().sorted().toList() : List.of(uuid(s));
    for (UUID d : domains) {
      List<String> findings = new ArrayList<>();
      try {
        DomainMetadata m = store.load(d);
        for (Snapshot snap : m.snapshots()) {
          snap.memoryImage().filter(p -> !Files.isRegularFile(p)).ifPresent(p -> findings.add("MISSING_MEMORY_IMAGE "
              + p + " [" + snap.name() + "]: the memory image is missing"));
          for (DiskSnapshot disk : snap.disks()) {
            for (Path p : List.of(disk.image(), disk.overlay()).stream().flatMap(Optional::stream).toList()) {
              if (!Files.exists(p)) {
                findings.add("MISSING_DISK_FILE " + p + " [" + snap.name() + "]: disk " + disk.target()
                    + " names a file that is missing");
              }
            }
          }
        }
        for (Snapshot snap : m.snapshots()) {
          StoreFinding.changedFiles(Path.of(snap.name()), snap)
              .forEach(f -> findings.add("CHANGED_FILE [" + snap.name() + "]: " + f.detail()));
        }
        m.ownedImages().stream().filter(p -> !Files.exists(p)).sorted()
            .forEach(p -> findings.add("MISSING_DISK_FILE " + p + ": an owned image is missing"));
        store.loadIntent(d).ifPresent(i -> findings.add("PENDING_OPERATION: an interrupted operation is recorded"
            + store.foreignIntentHost(d).map(h -> " by host " + h).orElse("")
            + "; the next operation on the domain recovers it"));
      } catch (XlsnapException e) {
        findings.add("CORRUPT_FILE: " + e.getMessage());
      }
      findings.forEach(f -> out.println(d + " " + f));
      problems += findings.size();
    }
    out.flush();
    return problems == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private UUID uuid(Session s) {
    DomainSelector selector;
    try {
      selector = DomainSelector.parse(domain);
    } catch (IllegalArgumentException e) {
      throw new ExitCodes.UsageException("<domain> " + domain + ": " + e.getMessage());
    }
    if (selector instanceof DomainSelector.ByUuid byUuid) {
      return byUuid.uuid();
    }
    return s.domain(selector).ref().uuid();
  }
}
