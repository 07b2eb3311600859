package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.ProgressListener;
import io.github.xlsnap.core.XlsnapException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.AutoComplete.GenerateCompletion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code xlsnap} command: the seed design's {@code xl snapshot-*} commands for operators, over
 * the xlsnap API. Run it with {@code examples/bin/xlsnap}.
 */
@Command(name = "xlsnap", mixinStandardHelpOptions = true, versionProvider = Xlsnap.Version.class,
    description = "Snapshots of Xen domains: disk and memory, paused or live, kept as a tree.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the operation failed (hypervisor, disk or store); it was rolled back",
        "2:the command line or an input file is wrong",
        "3:the domain or snapshot does not exist",
        "4:refused: a risky revert without --force, the snapshot guard, a name taken, a domain in the wrong state, "
            + "an import whose files are missing or whose domain has snapshots",
        "130:cancelled by Ctrl-C (SIGINT): the operation was rolled back and the domain left as it was",
        "143:cancelled by SIGTERM, as for Ctrl-C"})
public final class Xlsnap {

  /**
   * The subcommands by name, in the order usage lists them. A run builds the picocli model of only the
   * subcommand it runs (building all of them was the largest part of a command's start-up).
   */
  static final Map<String, Class<?>> SUBCOMMANDS = subcommands(
      "help", HelpCommand.class,
      "list", HostCommands.ListDomains.class,
      "destroy", GuardCommands.Destroy.class,
      "shutdown", GuardCommands.Shutdown.class,
      "save", GuardCommands.Save.class,
      "snapshot-create", SnapshotCommands.Create.class,
      "snapshot-delete", SnapshotCommands.Delete.class,
      "snapshot-revert", SnapshotCommands.Revert.class,
      "snapshot-list", SnapshotCommands.ListSnapshots.class,
      "snapshot-info", SnapshotCommands.Info.class,
      "snapshot-current", SnapshotCommands.Current.class,
      "snapshot-export", TransferCommands.Export.class,
      "snapshot-import", TransferCommands.Import.class,
      "snapshot-forget", TransferCommands.Forget.class,
      "snapshot-check", CheckCommand.class,
      "config-dump", ConfigDump.class,
      "sim-init", SimCommands.Init.class,
      "sim-write", SimCommands.Write.class,
      "sim-read", SimCommands.Read.class,
      "demo", HostCommands.DemoCommand.class,
      "generate-completion", GenerateCompletion.class,
      Complete.NAME, Complete.class);

  /** Commands that need every other one in the model: they print or describe them. */
  private static final Set<String> NEED_ALL = Set.of("help", "generate-completion");

  private static Map<String, Class<?>> subcommands(Object... nameThenClass) {
    Map<String, Class<?>> m = new LinkedHashMap<>();
    for (int i = 0; i < nameThenClass.length; i += 2) {
      m.put((String) nameThenClass[i], (Class<?>) nameThenClass[i + 1]);
    }
    return Collections.unmodifiableMap(m);
  }

  @Option(names = "--connect", scope = ScopeType.INHERIT, paramLabel = "URI",
      defaultValue = "${env:XLSNAP_CONNECT:-xen:///system}",
      description = "The host: sim:///<dir> for a simulated host kept in <dir>, xen:///system for the local "
          + "Xen host through libxl (default: ${DEFAULT-VALUE}; environment XLSNAP_CONNECT).")
  String connect;

  @Option(names = "--store", scope = ScopeType.INHERIT, paramLabel = "DIR|URL",
      description = "Where snapshot metadata lives: a directory, the JSON store of this host (default: "
          + "/var/lib/xen/snapshots, or <dir>/snapshots for a sim: host); or a PostgreSQL database, the pool-wide "
          + "store: postgresql://[user[:password]@]host[:port]/database or jdbc:postgresql://host[:port]/database "
          + "(password from the URL or PGPASSWORD, user from the URL or PGUSER).")
  String store;

  @Option(names = "--data-root", scope = ScopeType.INHERIT, paramLabel = "DIR",
      description = "With a PostgreSQL store: the directory for memory images, on storage every host of the pool "
          + "sees at the same path (default: the default store directory).")
  Path dataRoot;

  @Option(names = "--host-id", scope = ScopeType.INHERIT, paramLabel = "NAME",
      description = "With a PostgreSQL store: this host's name, recorded with its operations (default: the host "
          + "name).")
  String hostId;

  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "Log warnings and debug messages on stderr (by default only the one-line error).")
  void verbose(boolean on) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", on ? "debug" : "error");
    System.setProperty(NATIVE_LOG, on ? "debug" : "off");
  }

  /** libxl's own log lines: their gist is in the one-line error already, so only shown with -v. */
  private static final String NATIVE_LOG = "org.slf4j.simpleLogger.log.io.github.xlsnap.libxl.native";

  Session session(Optional<ProgressListener> progress) {
    return Session.open(connect, Optional.ofNullable(store), Optional.ofNullable(dataRoot),
        Optional.ofNullable(hostId), progress);
  }

  /**
   * Runs the command.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(run(args));
  }

  /**
   * Runs the command without exiting, for tests and embedding.
   *
   * @param args the command line
   * @return the exit code, see {@link ExitCodes}
   */
  public static int run(String... args) {
    return run(null, null, args);
  }

  /**
   * Runs the command without exiting, printing to the given writers: the demo and embedding code.
   *
   * @param out standard output, or null for {@code System.out}
   * @param err standard error, or null for {@code System.err}
   * @param args the command line
   * @return the exit code, see {@link ExitCodes}
   */
  public static int run(PrintWriter out,
      PrintWriter err, String... args) {
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
      System.setProperty(NATIVE_LOG, "off");
    }
    CommandLine cli = commandLine(subcommandOf(args));
    if (out != null) {
      cli.setOut(out);
    }
    if (err != null) {
      cli.setErr(err);
    }
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      PrintWriter w = cmd.getErr();
      w.println("xlsnap " + cmd.getCommandName() + ": " + oneLine(e));
      w.flush();
      return ExitCodes.of(e);
    });
    cli.setParameterExceptionHandler((e, args2) -> {
      CommandLine cmd = e.getCommandLine();
      PrintWriter w = cmd.getErr();
      boolean root = cmd.getParent() == null;
      if (root && args2.length == 0) {
        cmd.usage(w); // no arguments at all: what the command can do
        w.flush();
        return ExitCodes.USAGE;
      }
      w.println((root ? "xlsnap" : "xlsnap " + cmd.getCommandName()) + ": " + oneLine(e));
      w.println("try: xlsnap " + (root ? "" : "help " + cmd.getCommandName()) + (root ? "help" : ""));
      w.flush();
      return ExitCodes.USAGE;
    });
    return cli.execute(args);
  }

  /**
   * The whole command line: the root command with every subcommand, as help, the completion script
   * and the man pages describe it.
   *
   * @return a new command line, ready to run or to describe
   */
  public static CommandLine commandLine() {
    return commandLine(Optional.empty());
  }

  /** The root with one subcommand, or with all of them. */
  static CommandLine commandLine(Optional<String> only) {
    CommandLine cli = new CommandLine(new Xlsnap());
    SUBCOMMANDS.forEach((name, type) -> {
      if (only.isEmpty() || only.get().equals(name)) {
        cli.addSubcommand(name, type);
      }
    });
    CommandLine completion = cli.getSubcommands().get("generate-completion");
    if (completion != null) {
      completion.getCommandSpec().usageMessage().hidden(false);
    }
    return cli;
  }

  /**
   * The subcommand a command line runs, if it is one that needs no other in the model: the first
   * argument that is neither an option of the root nor the value of one. Anything else (no
   * subcommand, an unknown one, help) builds them all, so usage and errors are those of the whole
   * command.
   */
  static Optional<String> subcommandOf(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--connect") || a.equals("--store")) {
        i++; // its value
      } else if (a.equals("--")) {
        return Optional.empty();
      } else if (!a.startsWith("-")) {
        return SUBCOMMANDS.containsKey(a) && !NEED_ALL.contains(a) ? Optional.of(a) : Optional.empty();
      }
    }
    return Optional.empty();
  }

  /** The version of the build, from the jar's manifest or, on a class path of directories, a built resource. */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"xlsnap " + version()};
    }

    static String version() {
      String v = Xlsnap.class.getPackage().getImplementationVersion();
      if (v != null) {
        return v;
      }
      try (java.io.InputStream in = Xlsnap.class.getResourceAsStream("version.properties")) {
        java.util.Properties p = new java.util.Properties();
        if (in != null) {
          p.load(in);
        }
        return p.getProperty("version", "unknown");
      } catch (java.io.IOException e) {
        return "unknown";
      }
    }
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    if (!(e instanceof XlsnapException) && !(e instanceof ExitCodes.UsageException)
        && !(e instanceof ExitCodes.NotFoundException) && !(e instanceof ExitCodes.RefusedException)
        && !(e instanceof CommandLine.ParameterException) && !(e instanceof Cancellation.CancelledException)) {
      m = e.getClass().getSimpleName() + ": " + m;
    }
    return m.replace('\n', ' ');
  }
}
