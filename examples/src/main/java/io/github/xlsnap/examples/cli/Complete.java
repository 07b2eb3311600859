package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.Snapshot;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code xlsnap __complete domains} and {@code xlsnap __complete snapshots <domain>}: the candidates
 * the completion script offers for a domain or a snapshot name, one a line, on the host and store
 * that {@code --connect}, {@code --store} and {@code XLSNAP_CONNECT} name. Hidden: it is for the
 * script, not for people.
 *
 * <p>It is quiet by design: whatever goes wrong (no such host, no Xen, no store, no such domain) it
 * prints nothing, on stdout or stderr, and exits 0, so that a TAB never writes an error into the
 * user's command line. It changes nothing: it creates no store, takes no lock and recovers nothing.
 */
@Command(name = Complete.NAME, hidden = true,
    description = "Print completion candidates one a line: domains, or the snapshots of <domain>.")
final class Complete implements Callable<Integer> {
  /** The command's name; the completion script calls it. */
  static final String NAME = "__complete";

  @ParentCommand Xlsnap root;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "<kind>", description = "domains or snapshots")
  String kind;

  @Parameters(index = "1", arity = "0..1", paramLabel = "<domain>", description = "The domain, for snapshots.")
  String domain;

  @Override
  public Integer call() {
    PrintStream err = System.err;
    System.setErr(new PrintStream(OutputStream.nullOutputStream()));
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "off");
    List<String> names;
    try {
      names = candidates();
    } catch (RuntimeException | LinkageError e) {
      names = List.of(); // no host, no Xen, no store: nothing to offer, and nothing to say
    } finally {
      System.setErr(err);
    }
    PrintWriter out = spec.commandLine().getOut();
    names.forEach(out::println);
    out.flush();
    return ExitCodes.OK;
  }

  private List<String> candidates() {
    try (Session s = root.session(Optional.empty())) {
      return switch (kind) {
        case "domains" -> s.hypervisor.listDomains().stream()
            .filter(d -> d.ref().domid() != 0) // Domain-0 has no snapshots
            .map(DomainInfo::ref).map(r -> r.name()).toList();
        case "snapshots" -> domain == null || !s.storeExists() ? List.of()
            : s.manager().list(DomainSelector.parse(domain), ListQuery.all()).stream().map(Snapshot::name).toList();
        default -> List.of();
      };
    }
  }
}
