package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.ProgressListener;
import io.github.xlsnap.core.XlsnapException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import picocli.AutoComplete.GenerateCompletion;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code xlsnap} command: the seed design's {@code xl snapshot-*} commands for operators, over
 * the xlsnap API. Run it with {@code examples/bin/xlsnap}.
 */
@Command(name = "xlsnap", mixinStandardHelpOptions = true, version = "xlsnap 0.1.0-SNAPSHOT",
    description = "Snapshots of Xen domains: disk and memory, paused or live, kept as a tree.",
    subcommands = {
        HostCommands.ListDomains.class,
        SnapshotCommands.Create.class,
        SnapshotCommands.Delete.class,
        SnapshotCommands.Revert.class,
        SnapshotCommands.ListSnapshots.class,
        SnapshotCommands.Info.class,
        SnapshotCommands.Current.class,
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

  @Option(names = "--store", scope = ScopeType.INHERIT, paramLabel = "DIR",
      description = "Where snapshot metadata lives (default: /var/lib/xen/snapshots, or <dir>/snapshots for "
          + "a sim: host).")
  Path store;

  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT, description = "Log debug messages on stderr.")
  void verbose(boolean on) {
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", on ? "debug" : "warn");
    System.setProperty(NATIVE_LOG, on ? "debug" : "off");
  }

  /** libxl's own log lines: their gist is in the one-line error already, so only shown with -v. */
  private static final String NATIVE_LOG = "org.slf4j.simpleLogger.log.io.github.xlsnap.libxl.native";

  Session session(Optional<ProgressListener> progress) {
    return Session.open(connect, Optional.ofNullable(store), progress);
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
      System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
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
      PrintWriter err = e.getCommandLine().getErr();
      err.println("xlsnap " + e.getCommandLine().getCommandName() + ": " + oneLine(e));
      err.println("try: xlsnap " + (e.getCommandLine().getParent() == null ? "" : e.getCommandLine().getCommandName()
          + " ") + "--help");
      err.flush();
      return ExitCodes.USAGE;
    });
    cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(false);
    return cli.execute(args);
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage();
    if (m == null || m.isBlank()) {
      m = e.getClass().getSimpleName();
    }
    if (!(e instanceof XlsnapException) && !(e instanceof ExitCodes.UsageException)
        && !(e instanceof CommandLine.ParameterException)) {
      m = e.getClass().getSimpleName() + ": " + m;
    }
    return m.replace('\n', ' ');
  }
}
