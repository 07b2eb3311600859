package io.github.xlsnap.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The README's command table names every visible command of {@code xlsnap}, and no other. */
class ReadmeCommandTableTest {
  @Test
  void readmeCommandTableAndTheCommandLineAgree() throws IOException {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf("## The `xlsnap` command");
    String section = readme.substring(start, readme.indexOf("\n## ", start + 1));
    Set<String> documented = new TreeSet<>();
    Matcher row = Pattern.compile("(?m)^\\| `([^`]+)`.*?\\|").matcher(section);
    while (row.find()) {
      // a row may name several commands: `a ...`, `b`, `c`
      Matcher cmd = Pattern.compile("`([a-z][-a-z]*)[^`]*`").matcher(row.group(0));
      while (cmd.find()) {
        documented.add(cmd.group(1));
      }
    }
    Set<String> commands = new TreeSet<>();
    Xlsnap.commandLine().getSubcommands().forEach((name, cmd) -> {
      if (!cmd.getCommandSpec().usageMessage().hidden()) {
        commands.add(name);
      }
    });
    assertThat(documented).isEqualTo(commands);
  }

  @Test
  void eachSubcommandIsRegisteredUnderItsOwnName() {
    Xlsnap.SUBCOMMANDS.forEach((name, type) ->
        assertThat(new CommandLine(type).getCommandName()).as(type.getName()).isEqualTo(name));
  }

  @Test
  void aRunBuildsOnlyTheSubcommandItRunsUnlessItNeedsThemAll() {
    assertThat(Xlsnap.subcommandOf("--connect", "sim:///tmp/h", "snapshot-list", "web")).contains("snapshot-list");
    assertThat(Xlsnap.subcommandOf("-v", "--store", "list", "list")).contains("list");
    assertThat(Xlsnap.subcommandOf("help", "snapshot-list")).isEmpty();
    assertThat(Xlsnap.subcommandOf("generate-completion")).isEmpty();
    assertThat(Xlsnap.subcommandOf("snapshot-lst", "web")).isEmpty();
    assertThat(Xlsnap.subcommandOf("--version")).isEmpty();
    assertThat(Xlsnap.commandLine(Xlsnap.subcommandOf("snapshot-list", "web")).getSubcommands().keySet())
        .containsExactly("snapshot-list");
  }
}
