package io.github.xlsnap.examples;

import io.github.xlsnap.examples.cli.Xlsnap;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The demo: a snapshot lifecycle on a fresh simulated Xen host, as a shell session of real
 * {@code xlsnap} commands. Each printed command is run through the command line itself, with the
 * snapshot store the command line uses (the JSON store in {@code <host>/snapshots}), and its output
 * is printed under it; pasted into a shell after the printed {@code export}, the commands do the same.
 * Run it with {@code scripts/demo.sh} or {@code xlsnap demo}. Pass a directory to keep the host
 * there; by default a temporary one is used and removed.
 */
public final class Demo {
  private final PrintWriter out;
  private final Path host;
  private final String connect;

  private Demo(PrintWriter out, Path host) {
    this.out = out;
    this.host = host;
    this.connect = "sim://" + host;
  }

  /**
   * Runs the demo.
   *
   * @param args optionally, a directory to keep the simulated host in
   * @throws IOException if the temporary directory cannot be made or removed
   */
  public static void main(String[] args) throws IOException {
    Path dir = args.length > 0 ? Path.of(args[0]).toAbsolutePath() : Files.createTempDirectory("xlsnap-demo");
    try {
      run(dir, new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    } finally {
      if (args.length == 0) {
        deleteTree(dir);
      }
    }
  }

  /**
   * Runs the demo in a directory: the simulated host goes to {@code dir/host}.
   *
   * @param dir an existing directory
   * @param out where to print
   * @throws IllegalStateException if a command of the script fails (its output is printed first)
   */
  public static void run(Path dir, PrintWriter out) {
    new Demo(out, dir.toAbsolutePath().resolve("host")).script();
    out.flush();
  }

  private void script() {
    xlsnap("sim-init", host.toString(), "--domain", "demo");
    out.println("$ export XLSNAP_CONNECT=" + connect);

    guestWrites("version 1");
    xlsnap("snapshot-create", "demo", "--name", "base");
    guestWrites("version 2");
    // an external snapshot of the disk: its cfgfile names the overlay the domain goes on to write
    Path cfg = host.getParent().resolve("v2.cfg");
    String cfgText = "name = \"v2\"\ndescription = \"disk xvda external\"\n"
        + "disks = ['xvda,1,qcow2," + host.getParent().resolve("demo-xvda-v2.qcow2") + "']\n";
    try {
      Files.writeString(cfg, cfgText);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + cfg, e);
    }
    out.println();
    out.println("$ cat " + cfg);
    out.print(cfgText);
    xlsnap("snapshot-create", "demo", cfg.toString());
    guestWrites("version 3");
    xlsnap("snapshot-create", "demo", "--name", "v3", "--live");
    xlsnap("snapshot-list", "demo", "--tree");

    xlsnap("snapshot-revert", "demo", "base");
    guestReads();
    guestWrites("experiment");
    xlsnap("snapshot-create", "demo", "--name", "experiment");
    xlsnap("snapshot-list", "demo", "--tree");

    xlsnap("snapshot-delete", "demo", "v2"); // merged into its child v3
    xlsnap("snapshot-list", "demo", "--tree");
    xlsnap("snapshot-revert", "demo", "v3", "--paused");
    xlsnap("list");
    guestReads();
    xlsnap("snapshot-list", "demo", "--parent");
  }

  private void guestWrites(String text) {
    xlsnap("sim-write", "demo", "--memory", "--pattern", text);
    xlsnap("sim-write", "demo", "--disk", "xvda", "--pattern", text);
  }

  private void guestReads() {
    xlsnap("sim-read", "demo", "--memory");
    xlsnap("sim-read", "demo", "--disk", "xvda");
  }

  /** Prints the command as typed after the export, runs it with the host named, prints its output. */
  private void xlsnap(String... args) {
    out.println();
    out.println("$ xlsnap " + String.join(" ", quoted(args)));
    List<String> full = new ArrayList<>(List.of("--connect", connect));
    full.addAll(List.of(args));
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int code = Xlsnap.run(new PrintWriter(stdout), new PrintWriter(stderr), full.toArray(String[]::new));
    out.print(stdout);
    out.print(stderr);
    if (code != 0) {
      out.flush();
      throw new IllegalStateException("the demo's command failed with exit code " + code + ": xlsnap "
          + String.join(" ", args) + ": " + stderr.toString().strip());
    }
  }

  private static List<String> quoted(String[] args) {
    List<String> q = new ArrayList<>();
    for (String a : args) {
      q.add(a.matches("[A-Za-z0-9_./:=,-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
    }
    return q;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
