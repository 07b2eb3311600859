package io.github.xlsnap.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * Writes what the distribution ships beside the jars, from the picocli model of {@link Xlsnap}, so
 * that the documentation cannot drift from the command: the bash/zsh completion script
 * ({@code completion/xlsnap.bash}) and the man pages in troff ({@code man/man1/xlsnap.1} and one
 * {@code xlsnap-<command>.1} per command), and the same pages in AsciiDoc by picocli's own
 * {@code ManPageGenerator} ({@code man/adoc/}), from the {@code info.picocli:picocli-codegen} jar
 * that the build passes (a build-time tool, not shipped). The build runs it in {@code prepare-package}.
 *
 * <p>The completion script is picocli's {@link AutoComplete} script for the options and commands,
 * followed by a part of our own that completes domain names and snapshot names with what
 * {@code xlsnap __complete} prints for the host the command line names.
 */
public final class DistFiles {
  private DistFiles() {}

  /**
   * Writes the completion script and the man pages.
   *
   * @param args the output directory; the date the man pages carry ({@code yyyy-mm-dd}, or an ISO
   *     timestamp whose date part is taken: the build passes its reproducible output timestamp); the
   *     picocli-codegen jar
   * @throws IOException if a file cannot be written
   */
  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: DistFiles <output directory> <date> <picocli-codegen jar>");
    }
    Path out = Path.of(args[0]);
    String date = args[1].length() >= 10 ? args[1].substring(0, 10) : args[1];
    CommandLine cli = Xlsnap.commandLine();
    write(out.resolve("completion").resolve("xlsnap.bash"), completionScript(cli));
    for (Map.Entry<String, String> page : ManPages.of(cli, Xlsnap.Version.version(), date).entrySet()) {
      write(out.resolve("man").resolve("man1").resolve(page.getKey()), page.getValue());
    }
    asciiDoc(cli, out.resolve("man").resolve("adoc"), Path.of(args[2]));
  }

  /**
   * picocli's AsciiDoc man pages, from the same model. picocli-codegen is loaded from its jar, over
   * this class's loader (so both see one picocli), rather than put on the class path: it is a
   * build-time tool, and an annotation processor that the compiler would run.
   */
  private static void asciiDoc(CommandLine cli, Path dir, Path codegenJar) throws IOException {
    Files.createDirectories(dir);
    try (java.net.URLClassLoader loader = new java.net.URLClassLoader(new java.net.URL[] {codegenJar.toUri().toURL()},
        DistFiles.class.getClassLoader())) {
      Class<?> generator = Class.forName("picocli.codegen.docgen.manpage.ManPageGenerator", true, loader);
      Object code = generator.getMethod("generateManPage", java.io.File.class, java.io.File.class, boolean[].class,
              boolean.class, CommandSpec[].class)
          .invoke(null, dir.toFile(), null, new boolean[0], true, new CommandSpec[] {cli.getCommandSpec()});
      if (!Integer.valueOf(0).equals(code)) {
        throw new IllegalStateException("picocli's ManPageGenerator failed with exit code " + code);
      }
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("picocli-codegen's ManPageGenerator is not usable on this class path", e);
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  /**
   * The completion script: picocli's, then the completion of domain and snapshot names.
   *
   * @param cli the whole command line ({@link Xlsnap#commandLine()})
   * @return the script, for bash, and for zsh after {@code bashcompinit}
   */
  public static String completionScript(CommandLine cli) {
    StringBuilder positionals = new StringBuilder();
    StringBuilder valueOptions = new StringBuilder();
    StringBuilder snapshotOptions = new StringBuilder();
    for (Map.Entry<String, CommandLine> e : cli.getSubcommands().entrySet()) {
      CommandSpec spec = e.getValue().getCommandSpec();
      if (spec.usageMessage().hidden()) {
        continue;
      }
      List<String> kinds = new ArrayList<>();
      for (PositionalParamSpec p : spec.positionalParameters()) {
        kinds.add(kindOf(p));
      }
      Set<String> takesValue = new LinkedHashSet<>();
      Set<String> snapshot = new LinkedHashSet<>();
      for (OptionSpec o : spec.options()) {
        if (o.arity().max() > 0) {
          takesValue.addAll(List.of(o.names()));
          if (kindOf(o).equals("snapshot")) {
            snapshot.addAll(List.of(o.names()));
          }
        }
      }
      String name = e.getKey();
      if (kinds.contains("domain") || kinds.contains("snapshot")) {
        positionals.append("    ").append(name).append(") echo \"").append(String.join(" ", kinds)).append("\" ;;\n");
      }
      valueOptions.append("    ").append(name).append(") echo \"").append(String.join(" ", takesValue))
          .append("\" ;;\n");
      if (!snapshot.isEmpty()) {
        snapshotOptions.append("    ").append(name).append(") echo \"").append(String.join(" ", snapshot))
            .append("\" ;;\n");
      }
    }
    String picocli = AutoComplete.bash("xlsnap", cli);
    return picocli + DYNAMIC
        .replace("@POSITIONALS@", positionals.toString())
        .replace("@VALUE_OPTIONS@", valueOptions.toString())
        .replace("@SNAPSHOT_OPTIONS@", snapshotOptions.toString());
  }

  /** domain, snapshot or - (anything else), by the argument's label. */
  private static String kindOf(ArgSpec arg) {
    return switch (arg.paramLabel()) {
      case "<domain>" -> "domain";
      case "<snapshotname>", "<snapshot>" -> "snapshot";
      default -> "-";
    };
  }

  private static final String DYNAMIC = """

      # -------------------------------------------------------------------------------------------
      # Domain and snapshot names, added by xlsnap to picocli's script above. A command's <domain>
      # and <snapshotname> arguments (and snapshot-list --from) complete with the names on the host
      # that the command line names (--connect, --store, else XLSNAP_CONNECT), as printed by
      # `xlsnap __complete domains` and `xlsnap __complete snapshots <domain>`, which print nothing
      # when the host cannot be read. Everything else is picocli's completion.
      #
      # bash: source this file (or put it in /etc/bash_completion.d or
      #       ~/.local/share/bash-completion/completions/xlsnap).
      # zsh:  autoload -U +X bashcompinit && bashcompinit; source this file.
      # -------------------------------------------------------------------------------------------

      # The positional arguments of a command that take domain or snapshot names, in order
      # (domain, snapshot, or - for anything else).
      function _xlsnap_positionals() {
        case "$1" in
      @POSITIONALS@    *) echo "" ;;
        esac
      }

      # The options of a command that take a value.
      function _xlsnap_value_options() {
        case "$1" in
      @VALUE_OPTIONS@    *) echo "--connect --store" ;;
        esac
      }

      # The options of a command whose value is a snapshot name.
      function _xlsnap_snapshot_options() {
        case "$1" in
      @SNAPSHOT_OPTIONS@    *) echo "" ;;
        esac
      }

      # Completes domain and snapshot names; hands everything else to picocli's _complete_xlsnap.
      # The line is split on blanks again (COMP_WORDS splits at ':' and '=', as in sim:///dir).
      function _xlsnap_complete() {
        local line=${COMP_LINE:0:COMP_POINT}
        local -a words
        read -r -a words <<< "$line"
        local cur=""
        if [[ -n $line && $line != *[[:space:]] ]]; then
          cur=${words[${#words[@]}-1]}
          unset 'words[${#words[@]}-1]'
        fi
        local cmd="" i w
        local -a host=() args=()
        for (( i = 1; i < ${#words[@]}; i++ )); do
          w=${words[i]}
          case "$w" in
            --connect|--store) host+=("$w" "${words[i+1]}"); (( i++ )); continue ;;
            --connect=*|--store=*) host+=("$w"); continue ;;
          esac
          if [[ -z $cmd ]]; then
            [[ $w == -* ]] && continue
            cmd=$w
            continue
          fi
          # an option of the command, and its value if it takes one
          if [[ $w == -* ]]; then
            [[ $w != *=* && " $(_xlsnap_value_options "$cmd") " == *" $w "* ]] && (( i++ ))
            continue
          fi
          args+=("$w")
        done
        local kind=""
        if [[ -n $cmd && $cur != -* ]]; then
          local prev=${words[${#words[@]}-1]}
          if [[ ${#words[@]} -gt 1 && " $(_xlsnap_snapshot_options "$cmd") " == *" $prev "* ]]; then
            kind=snapshot
          elif [[ ${#words[@]} -gt 1 && $prev == -* && $prev != *=* \\
                  && " $(_xlsnap_value_options "$cmd") " == *" $prev "* ]]; then
            kind=""   # the value of another option: picocli's
          else
            local -a kinds
            read -r -a kinds <<< "$(_xlsnap_positionals "$cmd")"
            kind=${kinds[${#args[@]}]:-}
          fi
        fi
        local xlsnap=${words[0]/#\\~/$HOME}
        local candidates=""
        case "$kind" in
          domain) candidates=$("$xlsnap" "${host[@]}" __complete domains 2>/dev/null) ;;
          snapshot) [[ ${#args[@]} -gt 0 ]] \\
            && candidates=$("$xlsnap" "${host[@]}" __complete snapshots "${args[0]}" 2>/dev/null) ;;
          *) _complete_xlsnap "$@"; return $? ;;
        esac
        local IFS=$'\\n'
        COMPREPLY=( $(compgen -W "$candidates" -- "$cur") )
        # bash takes the word from its last ':' or '=': offer only the part after it
        local done_part=${cur%"${COMP_WORDS[COMP_CWORD]}"}
        if [[ -n $done_part ]]; then
          COMPREPLY=( "${COMPREPLY[@]#"$done_part"}" )
        fi
        return 0
      }

      complete -F _xlsnap_complete -o default xlsnap xlsnap.sh xlsnap.bash
      """;

  /** Man pages in troff (man(7) macros), one for the command and one per visible subcommand. */
  static final class ManPages {
    private static final Pattern LEADING_CONTROL = Pattern.compile("(?m)^([.'])");

    private ManPages() {}

    /** The pages by file name, in the order of the command's usage. */
    static Map<String, String> of(CommandLine cli, String version, String date) {
      Map<String, String> pages = new java.util.LinkedHashMap<>();
      pages.put("xlsnap.1", page(cli, version, date));
      for (Map.Entry<String, CommandLine> e : cli.getSubcommands().entrySet()) {
        if (!e.getValue().getCommandSpec().usageMessage().hidden()) {
          pages.put("xlsnap-" + e.getKey() + ".1", page(e.getValue(), version, date));
        }
      }
      return pages;
    }

    private static String page(CommandLine cmd, String version, String date) {
      CommandSpec spec = cmd.getCommandSpec();
      boolean root = spec.parent() == null;
      String title = root ? "xlsnap" : "xlsnap-" + spec.name();
      StringBuilder t = new StringBuilder();
      t.append(".\\\" Generated by xlsnap's DistFiles from the picocli model of the command; do not edit.\n");
      t.append(".TH ").append(esc(title.toUpperCase(java.util.Locale.ROOT))).append(" 1 \"").append(date)
          .append("\" \"xlsnap ").append(esc(version)).append("\" \"xlsnap Manual\"\n");
      t.append(".SH NAME\n").append(esc(title)).append(" \\- ").append(esc(firstSentence(spec))).append('\n');
      t.append(".SH SYNOPSIS\n.nf\n");
      CommandLine.Help help = new CommandLine.Help(spec,
          CommandLine.Help.defaultColorScheme(CommandLine.Help.Ansi.OFF));
      t.append(esc(help.synopsis(0).stripTrailing())).append("\n.fi\n");
      t.append(".SH DESCRIPTION\n").append(esc(String.join("\n", spec.usageMessage().description()))).append('\n');
      if (root) {
        t.append(".SH COMMANDS\n");
        for (Map.Entry<String, CommandLine> e : cmd.getSubcommands().entrySet()) {
          CommandSpec sub = e.getValue().getCommandSpec();
          if (!sub.usageMessage().hidden()) {
            t.append(".TP\n\\fB").append(esc(e.getKey())).append("\\fR\n").append(esc(firstSentence(sub)))
                .append(" See \\fBxlsnap\\-").append(esc(e.getKey())).append("\\fR(1).\n");
          }
        }
      }
      List<PositionalParamSpec> positionals = spec.positionalParameters().stream()
          .filter(p -> !p.hidden()).toList();
      if (!positionals.isEmpty()) {
        t.append(".SH ARGUMENTS\n");
        for (PositionalParamSpec p : positionals) {
          t.append(".TP\n\\fI").append(esc(p.paramLabel())).append("\\fR\n").append(esc(description(p))).append('\n');
        }
      }
      List<OptionSpec> options = spec.options().stream().filter(o -> !o.hidden()).toList();
      if (!options.isEmpty()) {
        t.append(".SH OPTIONS\n");
        for (OptionSpec o : options) {
          List<String> names = new ArrayList<>();
          for (String n : o.names()) {
            names.add("\\fB" + esc(n) + "\\fR");
          }
          t.append(".TP\n").append(String.join(", ", names));
          if (o.arity().max() > 0) {
            t.append(" \\fI").append(esc(o.paramLabel())).append("\\fR");
          }
          t.append('\n').append(esc(description(o))).append('\n');
        }
      }
      if (root) {
        t.append(".SH EXIT STATUS\n");
        for (Map.Entry<String, String> e : spec.usageMessage().exitCodeList().entrySet()) {
          t.append(".TP\n\\fB").append(esc(e.getKey().strip())).append("\\fR\n").append(esc(e.getValue())).append('\n');
        }
        t.append(ROOT_TAIL);
      } else {
        t.append(".SH SEE ALSO\n\\fBxlsnap\\fR(1)\n");
      }
      return t.toString();
    }

    private static final String ROOT_TAIL = """
        .SH ENVIRONMENT
        .TP
        \\fBXLSNAP_CONNECT\\fR
        The host when \\fB\\-\\-connect\\fR is not given.
        .TP
        \\fBJAVA_HOME\\fR
        The Java runtime (17 or later) that \\fBbin/xlsnap\\fR runs; else \\fBjava\\fR on the \\fBPATH\\fR.
        .TP
        \\fBXLSNAP_JAVA_OPTS\\fR
        More options for the Java virtual machine.
        .TP
        \\fBXLSNAP_CDS\\fR
        \\fBoff\\fR: neither use nor write the start\\-up archive.
        .TP
        \\fBXDG_CACHE_HOME\\fR
        Where the start\\-up archive is kept (default \\fI$HOME/.cache\\fR).
        .SH FILES
        .TP
        \\fI$XDG_CACHE_HOME/xlsnap/<version>\\-<java version>.jsa\\fR
        The class\\-data sharing archive of the classes a command loads, written by the first run with
        a Java runtime and used by the next ones to start faster. It may be deleted at any time.
        .TP
        \\fI/var/lib/xen/snapshots\\fR
        The snapshot store of a Xen host (\\fI<dir>/snapshots\\fR for a simulated host).
        .SH SEE ALSO
        \\fBxl\\fR(1), \\fBqemu\\-img\\fR(1)
        """;

    private static String firstSentence(CommandSpec spec) {
      String[] d = spec.usageMessage().description();
      String text = d.length == 0 ? spec.name() : d[0];
      int dot = text.indexOf(". ");
      return dot < 0 ? text : text.substring(0, dot + 1);
    }

    private static String description(ArgSpec arg) {
      String text = String.join(" ", arg.description());
      String def = arg.defaultValueString();
      return text.replace("${DEFAULT-VALUE}", def == null ? "" : def);
    }

    /** Escapes text for troff: backslashes, minus signs, and a control character at a line's start. */
    static String esc(String s) {
      String t = s.replace("\\", "\\e").replace("-", "\\-");
      return LEADING_CONTROL.matcher(t).replaceAll("\\\\&$1");
    }
  }
}
