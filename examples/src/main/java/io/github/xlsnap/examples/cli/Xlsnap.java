package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.ProgressListener;
import io.github.xlsnap.core.XlsnapException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
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
            + "an import whose files are missing or whose domain has snapshots"},
    subcommands = {
        HelpCommand.class,
        HostCommands.ListDomains.class,
        GuardCommands.Destroy.class,
        GuardCommands.Shutdown.class,
        GuardCommands.Save.class,
        SnapshotCommands.Create.class,
        SnapshotCommands.Delete.class,
        SnapshotCommands.Revert.class,
        SnapshotCommands.ListSnapshots.class,
        SnapshotCommands.Info.class,
        SnapshotCommands.Current.class,
        TransferCommands.Export.class,
        TransferCommands.Import.class,
        TransferCommands.Forget.class,
        CheckCommand.class,
        ConfigDump.class,
        SimCommands.Init.class,
        SimCommands.Write.class,
        SimCommands.Read.class,
        HostCommands.DemoCommand.class,
        GenerateCompletion.class
    })
public final class Xlsnap {

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
    if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
      System.setProperty(NATIVE_LOG, "off");
    }
    CommandLine cli = new CommandLine(new Xlsnap());
    cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
      PrintWriter err = cmd.getErr();
      err.println("xlsnap " + cmd.getCommandName() + ": " + oneLine(e));
      err.flush();
      return ExitCodes.of(e);
    });
    cli.setParameterExceptionHandler((e, args2) -> {
      CommandLine cmd = e.getCommandLine();
      PrintWriter err = cmd.getErr();
      boolean root = cmd.getParent() == null;
      if (root && args2.length == 0) {
        cmd.usage(err); // no arguments at all: what the command can do
        err.flush();
        return ExitCodes.USAGE;
      }
      err.println((root ? "xlsnap" : "xlsnap " + cmd.getCommandName()) + ": " + oneLine(e));
      err.println("try: xlsnap " + (root ? "" : "help " + cmd.getCommandName()) + (root ? "help" : ""));
      err.flush();
      return ExitCodes.USAGE;
    });
    cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    return cli.execute(args);
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
        && !(e instanceof CommandLine.ParameterException)) {
      m = e.getClass().getSimpleName() + ": " + m;
    }
    return m.replace('\n', ' ');
  }
}
