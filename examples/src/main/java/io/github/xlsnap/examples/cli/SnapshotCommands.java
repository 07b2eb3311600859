package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DeleteMode;
import io.github.xlsnap.core.DeleteResult;
import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.ListQuery;
import io.github.xlsnap.core.RevertOptions;
import io.github.xlsnap.core.RevertTarget;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotNotFoundException;
import io.github.xlsnap.core.SnapshotTree;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** The seed design's {@code snapshot-*} commands, plus {@code snapshot-info} and {@code snapshot-current}. */
final class SnapshotCommands {
  static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z").withZone(ZoneOffset.UTC);

  private SnapshotCommands() {}

  /** What every snapshot command shares: the root's options, the output streams, the domain. */
  abstract static class Base implements Callable<Integer> {
    @ParentCommand Xlsnap root;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<domain>", description = "The domain: a name, UUID or domid.")
    String domain;

    PrintWriter out() {
      return spec.commandLine().getOut();
    }

    PrintWriter err() {
      return spec.commandLine().getErr();
    }

    DomainSelector selector() {
      try {
        return DomainSelector.parse(domain);
      } catch (IllegalArgumentException e) {
        throw new ExitCodes.UsageException("<domain> " + domain + ": " + e.getMessage());
      }
    }

    @Override
    public Integer call() {
      validate();
      // a command that changes a domain is cancelled cleanly by Ctrl-C or SIGTERM (see Cancellation)
      try (Cancellation cancel = changesDomain() ? Cancellation.onSignals(err()) : null;
          Session s = root.session(Optional.ofNullable(progress()))) {
        try {
          if (changesSnapshots()) {
            s.recover(selector(), err());
          }
          run(s);
        } catch (RuntimeException e) {
          if (cancel != null && cancel.received() != null) {
            throw cancelled(cancel.received(), e, s);
          }
          throw e;
        }
      }
      out().flush();
      return ExitCodes.OK;
    }

    /** The one line of a command a signal cancelled: what became of the operation and of the domain. */
    private Cancellation.CancelledException cancelled(String signal, RuntimeException e, Session s) {
      Thread.interrupted(); // the operation is over; the domain's state is read uninterrupted
      boolean clean = e.getSuppressed().length == 0;
      String state;
      try {
        state = s.hypervisor.find(selector()).map(i -> "domain " + i.ref().name() + " is " + i.state().word())
            .orElse("domain " + domain + " is not on the host");
      } catch (RuntimeException r) {
        state = "the domain's state cannot be read: " + r.getMessage();
      }
      return new Cancellation.CancelledException(signal, "cancelled by SIG" + signal + ": "
          + (clean ? "rolled back, nothing was changed" : "the rollback was incomplete: " + e.getMessage())
          + "; " + state, e);
    }

    /**
     * Whether the command changes a domain or its snapshots, so that a signal cancels it cleanly
     * rather than ending the process in the middle.
     */
    boolean changesDomain() {
      return changesSnapshots();
    }

    /** Who hears the long steps: the terminal, for a command that changes a domain (see {@link Progress}). */
    io.github.xlsnap.core.ProgressListener progress() {
      return changesDomain() ? Progress.onTerminal(err()) : null;
    }

    /**
     * A {@code --json} document about this command's domain: named as the host knows it, or as given
     * with the UUID the selector holds when the domain is no longer on the host.
     */
    com.fasterxml.jackson.databind.node.ObjectNode document(Session s) {
      DomainSelector d = selector();
      Optional<DomainRef> ref = s.hypervisor.find(d).map(DomainInfo::ref);
      return Json.document(ref.map(DomainRef::name).orElse(domain), ref.map(DomainRef::uuid)
          .or(() -> d instanceof DomainSelector.ByUuid u ? Optional.of(u.uuid()) : Optional.empty()));
    }

    /** Checks the options before anything is opened. */
    void validate() {}

    /**
     * Whether the command changes snapshots: it first finishes or undoes an interrupted operation on
     * its domain, saying so. A command that only reads touches no lock and recovers nothing.
     */
    boolean changesSnapshots() {
      return false;
    }

    abstract void run(Session s);
  }

  @Command(name = "snapshot-create", mixinStandardHelpOptions = true,
      description = "Create a snapshot (disk and RAM) of a domain. Values in <cfgfile> win over options.")
  static final class Create extends Base {
    @Override
    boolean changesSnapshots() {
      return true;
    }

    @Parameters(index = "1", arity = "0..1", paramLabel = "<cfgfile>",
        description = "A snapshot cfgfile: name, description, memory_path, disks.")
    Path cfgfile;

    @Option(names = "--name", paramLabel = "<string>", description = "The snapshot's name (default: the creation time).")
    String name;

    @Option(names = "--live", description = "Take a live snapshot: the domain keeps running while memory is saved.")
    boolean live;

    @Override
    void run(Session s) {
      CreateSpec.Builder options = CreateSpec.builder();
      if (name != null) {
        options.name(name);
      }
      if (live) {
        options.live(true);
      }
      CreateSpec spec = cfgfile == null ? options.build() : CfgFiles.snapshotSpec(cfgfile).overriding(options.build());
      if (name != null && spec.name().isPresent() && !spec.name().get().equals(name)) {
        err().println("xlsnap snapshot-create: note: the cfgfile's name '" + spec.name().get() + "' wins over --name "
            + name);
      }
      Snapshot snap = s.manager().create(selector(), spec);
      out().println("Domain snapshot " + snap.name() + " created");
    }
  }

  @Command(name = "snapshot-delete", mixinStandardHelpOptions = true,
      description = "Delete a snapshot (disk and RAM) of a domain. By default only this snapshot is deleted and "
          + "its changes are merged into its children.")
  static final class Delete extends Base {
    @Override
    boolean changesSnapshots() {
      return true;
    }

    @Parameters(index = "1", paramLabel = "<snapshotname>")
    String snapshot;

    @ArgGroup(exclusive = true)
    Mode mode;

    static final class Mode {
      @Option(names = "--children", required = true, description = "Delete the snapshot and all its descendants.")
      boolean children;

      @Option(names = "--children-only", required = true, description = "Delete the descendants, keep the snapshot.")
      boolean childrenOnly;
    }

    @Override
    void run(Session s) {
      DeleteMode m = mode == null ? DeleteMode.MERGE : mode.children ? DeleteMode.CHILDREN : DeleteMode.CHILDREN_ONLY;
      DeleteResult r = s.manager().delete(selector(), snapshot, m);
      switch (m) {
        case MERGE -> out().println("Domain snapshot " + snapshot + " deleted");
        case CHILDREN -> out().println("Domain snapshot " + snapshot + " and its descendants deleted "
            + r.deleted());
        case CHILDREN_ONLY -> out().println("Domain snapshot " + snapshot + " children deleted " + r.deleted());
      }
      Set<String> later = new LinkedHashSet<>();
      r.deferred().forEach(d -> later.add(d.describe()));
      r.leftovers().stream().filter(l -> !later.contains(l))
          .forEach(l -> err().println("xlsnap snapshot-delete: warning: not removed: " + l));
      // the domain runs on these images: done by a later operation, not an error
      later.forEach(l -> err().println("xlsnap snapshot-delete: later: " + l));
    }
  }

  @Command(name = "snapshot-revert", mixinStandardHelpOptions = true,
      description = "Revert a domain to a snapshot: running or paused as when it was taken, unless told.")
  static final class Revert extends Base {
    @Override
    boolean changesSnapshots() {
      return true;
    }

    @Parameters(index = "1", paramLabel = "<snapshotname>")
    String snapshot;

    @ArgGroup(exclusive = true)
    Target target;

    static final class Target {
      @Option(names = "--running", required = true, description = "After reverting, leave the domain running.")
      boolean running;

      @Option(names = "--paused", required = true, description = "After reverting, leave the domain paused.")
      boolean paused;
    }

    @Option(names = "--force", description = "Carry out a risky revert (no memory image, changed files, disks "
        + "not captured).")
    boolean force;

    @Override
    void run(Session s) {
      RevertTarget t = target == null ? RevertTarget.AS_TAKEN : target.running ? RevertTarget.RUNNING : RevertTarget.PAUSED;
      DomainRef ref;
      try {
        ref = s.manager().revert(selector(), snapshot, new RevertOptions(t, force));
      } catch (io.github.xlsnap.core.RiskyRevertException e) {
        throw new ExitCodes.RefusedException(e.getMessage().replaceFirst("is risky and needs force:",
            "is risky and needs --force:"), e);
      }
      DomainState state = s.hypervisor.info(ref).state();
      // running or paused, as the revert asked; an idle guest is "blocked" to xl, but runs
      String how = state.paused() ? "paused" : state.isActive() ? "running" : state.word();
      out().println("Domain " + ref.name() + " reverted to snapshot " + snapshot + " (domid " + ref.domid() + ", "
          + how + ")");
    }
  }

  @Command(name = "snapshot-list", mixinStandardHelpOptions = true, description = "List a domain's snapshots.")
  static final class ListSnapshots extends Base {
    @Option(names = "--parent", description = "Add a column with each snapshot's parent.") boolean parent;
    @Option(names = "--internal", description = "Only internal snapshots.") boolean internal;
    @Option(names = "--external", description = "Only external snapshots.") boolean external;
    @Option(names = "--tree", description = "List the snapshots as a tree.") boolean tree;
    @Option(names = "--name", description = "List names only, one a line.") boolean nameOnly;
    @Option(names = "--roots", description = "Only snapshots without a parent.") boolean roots;
    @Option(names = "--leaves", description = "Only snapshots without children.") boolean leaves;
    @Option(names = "--from", paramLabel = "<snapshot>", description = "Only the children of this snapshot.")
    String from;
    @Option(names = "--descendants", description = "With --from: all descendants, not only children.")
    boolean descendants;
    @Option(names = "--json", description = "Print JSON, for scripts.") boolean json;

    @Override
    void validate() {
      check(!(parent && roots) && !(parent && tree) && !(roots && tree), "--parent, --roots and --tree exclude each other");
      check(!(tree && nameOnly), "--tree and --name exclude each other");
      check(!(tree && (internal || external || leaves)), "filters cannot be combined with --tree");
      check(!(roots && from != null), "--roots and --from exclude each other");
      check(!descendants || from != null, "--descendants needs --from");
      check(!(json && (tree || nameOnly)), "--json excludes --tree and --name");
    }

    @Override
    void run(Session s) {
      DomainSelector d = selector();
      SnapshotTree t = s.manager().tree(d);
      if (tree) {
        printTree(t, Optional.ofNullable(from));
        return;
      }
      ListQuery q = ListQuery.all();
      if (internal) {
        q = q.withInternal();
      }
      if (external) {
        q = q.withExternal();
      }
      if (roots) {
        q = q.withRoots();
      }
      if (leaves) {
        q = q.withLeaves();
      }
      if (from != null) {
        q = q.withFrom(from, descendants);
      }
      List<Snapshot> list = s.manager().list(d, q);
      if (json) {
        com.fasterxml.jackson.databind.node.ObjectNode doc = document(s);
        com.fasterxml.jackson.databind.node.ArrayNode snapshots = doc.putArray("snapshots");
        list.forEach(sn -> Json.snapshot(snapshots.addObject(), sn, t));
        out().println(Json.write(doc));
      } else if (nameOnly) {
        list.forEach(sn -> out().println(sn.name()));
      } else {
        table(list);
      }
    }

    private void table(List<Snapshot> list) {
      int width = Math.max(4, list.stream().mapToInt(sn -> sn.name().length()).max().orElse(0));
      String fmt = " %-" + width + "s   %-25s   %-9s" + (parent ? "   %s" : "%s") + "%n";
      out().printf(fmt, "Name", "Creation Time", "State", parent ? "Parent" : "");
      out().println("-".repeat(width + 45 + (parent ? 10 : 0)));
      for (Snapshot sn : list) {
        out().printf(fmt, sn.name(), TIME.format(sn.createTime()), sn.domainState().word(),
            parent ? sn.parent().orElse("") : "");
      }
    }

    private void printTree(SnapshotTree t, Optional<String> start) {
      if (start.isPresent() && !t.contains(start.get())) {
        throw new SnapshotNotFoundException(domain, start.get());
      }
      // line by line: a long chain's tree is hundreds of megabytes of indentation
      try {
        if (start.isPresent()) {
          t.renderTo(start.get(), out());
        } else {
          t.renderTo(out());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e); // a PrintWriter does not throw; for the signature
      }
      out().flush();
    }
  }

  @Command(name = "snapshot-info", mixinStandardHelpOptions = true, description = "Show what a snapshot holds.")
  static final class Info extends Base {
    @Parameters(index = "1", paramLabel = "<snapshotname>")
    String snapshot;

    @Option(names = "--json", description = "Print JSON, for scripts.") boolean json;

    @Override
    void run(Session s) {
      DomainSelector d = selector();
      SnapshotTree t = s.manager().tree(d);
      Snapshot sn = s.manager().info(d, snapshot);
      if (json) {
        com.fasterxml.jackson.databind.node.ObjectNode doc = document(s);
        Json.snapshot(doc.putObject("snapshot"), sn, t);
        out().println(Json.write(doc));
        return;
      }
      String name = s.hypervisor.find(d).map(DomainInfo::ref).map(DomainRef::name).orElse(domain);
      row("Name", sn.name());
      row("Domain", name);
      row("Current", t.current().equals(Optional.of(sn.name())) ? "yes" : "no");
      row("Creation Time", TIME.format(sn.createTime()));
      row("Description", sn.description().isEmpty() ? "-" : sn.description());
      row("State", sn.domainState().word() + (sn.live() ? " (taken live)" : ""));
      row("Location", sn.isExternal() ? "external" : sn.isInternal() ? "internal" : "none");
      row("Parent", sn.parent().orElse("-"));
      row("Children", Integer.toString(sn.children().size()));
      row("Descendants", Integer.toString(t.descendants(sn.name()).size()));
      row("Memory", sn.memoryImage().map(Path::toString).orElse("none"));
      for (DiskSnapshot disk : sn.disks()) {
        row("Disk " + disk.target(), switch (disk.mode()) {
          case INTERNAL -> "internal " + disk.tag().orElseThrow() + " in " + disk.image().orElseThrow();
          case EXTERNAL -> "external, overlay " + disk.overlay().orElseThrow() + " over " + disk.image().orElseThrow();
          case NONE -> "not captured";
        });
      }
    }

    private void row(String key, String value) {
      out().printf("%-15s %s%n", key + ":", value);
    }
  }

  @Command(name = "snapshot-current", mixinStandardHelpOptions = true,
      description = "Print the name of the current snapshot: the one last taken or reverted to.")
  static final class Current extends Base {
    @Option(names = "--json", description = "Print JSON, for scripts.") boolean json;

    @Override
    void run(Session s) {
      DomainSelector d = selector();
      Optional<Snapshot> c = s.manager().current(d);
      if (c.isEmpty()) {
        // the same with and without --json, as virsh: an error, nothing on stdout
        throw new ExitCodes.NotFoundException("domain " + domain + " has no current snapshot");
      }
      if (json) {
        com.fasterxml.jackson.databind.node.ObjectNode doc = document(s);
        Json.snapshot(doc.putObject("snapshot"), c.get(), s.manager().tree(d));
        out().println(Json.write(doc));
      } else {
        out().println(c.get().name());
      }
    }
  }

  static void check(boolean ok, String message) {
    if (!ok) {
      throw new ExitCodes.UsageException(message);
    }
  }
}
