package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.examples.Demo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** Commands about the host rather than one domain's snapshots. */
final class HostCommands {
  private HostCommands() {}

  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the host's domains, as xl list does.")
  static final class ListDomains implements Callable<Integer> {
    @ParentCommand Xlsnap root;
    @Spec CommandSpec spec;

    @Option(names = "--json", description = "Print JSON, for scripts.") boolean json;

    @Override
    public Integer call() {
      try (Session s = root.session(Optional.empty())) {
        List<DomainInfo> domains = s.hypervisor.listDomains();
        var out = spec.commandLine().getOut();
        if (json) {
          com.fasterxml.jackson.databind.node.ObjectNode doc = Json.document();
          com.fasterxml.jackson.databind.node.ArrayNode list = doc.putArray("domains");
          domains.forEach(d -> Json.domain(list.addObject(), d));
          out.println(Json.write(doc));
        } else {
          out.println("Name                                        ID   Mem VCPUs\tState\tTime(s)");
          for (DomainInfo d : domains) {
            out.printf("%-40s %5d %5d %5d     %s %8.1f%n", d.ref().name(), d.ref().domid(), d.memoryKib() / 1024,
                d.vcpus(), d.state().xlLetters(), d.cpuTime().toMillis() / 1000.0);
          }
        }
        out.flush();
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "demo", mixinStandardHelpOptions = true,
      description = "Run the demo: a snapshot lifecycle on a fresh temporary simulated host.")
  static final class DemoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      Path dir = Files.createTempDirectory("xlsnap-demo");
      try {
        Demo.run(dir, spec.commandLine().getOut());
      } finally {
        deleteTree(dir);
      }
      return ExitCodes.OK;
    }
  }

  static void deleteTree(Path dir) {
    try (var s = Files.walk(dir)) {
      for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove " + dir, e);
    }
  }
}
