package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.store.JsonSnapshotStore;
import io.github.xlsnap.store.RepairReport;
import io.github.xlsnap.store.StoreFinding;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code snapshot-check}: the store's check and repair, findings one a line. */
@Command(name = "snapshot-check", mixinStandardHelpOptions = true,
    description = "Check the snapshot metadata of one domain, or of every domain in the store; with --repair, "
        + "fix what can be fixed without guessing and quarantine the rest. Exit code 1 if problems remain.")
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

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    int remaining = 0;
    if (abandon && domain == null) {
      throw new ExitCodes.UsageException("--abandon needs <domain>");
    }
    try (Session s = root.session(Optional.empty())) {
      JsonSnapshotStore store = s.store();
      if (abandon) {
        UUID d = uuid(s);
        Optional<String> record = s.manager().abandon(d);
        out.println(record.isPresent() ? d + " abandoned the record of an interrupted operation; its files are kept:"
            : d + " has no interrupted operation");
        record.ifPresent(r -> r.lines().forEach(l -> out.println("  " + l)));
        out.flush();
        return ExitCodes.OK;
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
