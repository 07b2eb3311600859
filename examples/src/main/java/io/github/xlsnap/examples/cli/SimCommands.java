package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Commands of the simulated host: make one, and act as its guests. */
final class SimCommands {
  private static final Pattern SIZE = Pattern.compile("([0-9]+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);
  private static final int READ_LENGTH = 4096;

  private SimCommands() {}

  /** Reads a size such as {@code 4096}, {@code 64K}, {@code 16MiB} or {@code 1G} (powers of 1024). */
  static long size(String option, String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new ExitCodes.UsageException(option + " " + text + ": not a size (e.g. 4096, 64K, 16M, 1G)");
    }
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    try {
      long n = Long.parseLong(m.group(1));
      if (n <= 0 || Long.numberOfLeadingZeros(n) <= shift) {
        throw new ExitCodes.UsageException(option + " " + text + ": out of range");
      }
      return n << shift;
    } catch (NumberFormatException e) {
      throw new ExitCodes.UsageException(option + " " + text + ": out of range");
    }
  }

  @Command(name = "sim-init", mixinStandardHelpOptions = true,
      description = "Create a simulated host in <dir> with running domains, each with a memory and one qcow2 disk "
          + "xvda. Use it with --connect sim://<dir>.")
  static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<dir>") Path dir;

    @Option(names = "--domain", paramLabel = "<name>", description = "A domain to create (repeatable; default: demo).")
    List<String> domains = List.of();

    @Option(names = "--memory", paramLabel = "<size>", defaultValue = "16M",
        description = "Each domain's memory (default: ${DEFAULT-VALUE}).")
    String memory;

    @Option(names = "--disk", paramLabel = "<size>", defaultValue = "64M",
        description = "The size of each domain's disk xvda (default: ${DEFAULT-VALUE}).")
    String disk;

    @Override
    public Integer call() {
      long memoryBytes = size("--memory", memory);
      long diskBytes = size("--disk", disk);
      Path host = dir.toAbsolutePath();
      try (SimulatedHypervisor sim = SimulatedHypervisor.open(host)) {
        for (String name : domains.isEmpty() ? List.of("demo") : domains) {
          DomainRef ref = sim.createDomain(new SimDomainSpec(name, Optional.empty(), memoryBytes, 1,
              List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, diskBytes)), false));
          spec.commandLine().getOut().println("Domain " + ref.name() + " created (domid " + ref.domid() + ", "
              + ref.uuid() + ")");
        }
      }
      spec.commandLine().getOut().println("Simulated host ready: xlsnap --connect sim://" + host + " list");
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }
  }

  /** Where a guest reads or writes: its memory or one of its disks. */
  static final class Place {
    @Option(names = "--memory", required = true, description = "The start of the guest's memory.") boolean memory;
    @Option(names = "--disk", required = true, paramLabel = "<target>", description = "The start of a disk.")
    String disk;
  }

  /** What both guest commands share. */
  abstract static class GuestCommand implements Callable<Integer> {
    @ParentCommand Xlsnap root;
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "<domain>", description = "The domain: a name, UUID or domid.")
    String domain;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Place place;

    @Override
    public Integer call() {
      URI uri = URI.create(root.connect);
      if (!"sim".equals(uri.getScheme())) {
        throw new ExitCodes.UsageException("guest commands need a simulated host: --connect sim://<dir>");
      }
      try (SimulatedHypervisor sim = SimulatedHypervisor.open(Session.simDirectory(uri, root.connect))) {
        DomainSelector selector;
        try {
          selector = DomainSelector.parse(domain);
        } catch (IllegalArgumentException e) {
          throw new ExitCodes.UsageException("<domain> " + domain + ": " + e.getMessage());
        }
        DomainRef ref = sim.find(selector)
            .orElseThrow(() -> new io.github.xlsnap.core.DomainNotFoundException(domain)).ref();
        run(sim, ref);
      }
      spec.commandLine().getOut().flush();
      return ExitCodes.OK;
    }

    abstract void run(SimulatedHypervisor sim, DomainRef ref);
  }

  @Command(name = "sim-write", mixinStandardHelpOptions = true,
      description = "Act as the guest: write a text at the start of its memory or of a disk.")
  static final class Write extends GuestCommand {
    @Option(names = "--pattern", required = true, paramLabel = "<text>", description = "The text to write.")
    String pattern;

    @Override
    void run(SimulatedHypervisor sim, DomainRef ref) {
      byte[] bytes = (pattern + "\0").getBytes(StandardCharsets.UTF_8);
      if (place.memory) {
        sim.writeMemory(ref, 0, bytes);
      } else {
        sim.writeDisk(ref, place.disk, 0, bytes);
      }
    }
  }

  @Command(name = "sim-read", mixinStandardHelpOptions = true,
      description = "Act as the guest: print the text at the start of its memory or of a disk.")
  static final class Read extends GuestCommand {
    @Override
    void run(SimulatedHypervisor sim, DomainRef ref) {
      byte[] bytes = place.memory ? sim.readMemory(ref, 0, READ_LENGTH) : sim.readDisk(ref, place.disk, 0, READ_LENGTH);
      int n = 0;
      while (n < bytes.length && bytes[n] != 0) {
        n++;
      }
      spec.commandLine().getOut().println(new String(bytes, 0, n, StandardCharsets.UTF_8));
    }
  }
}
