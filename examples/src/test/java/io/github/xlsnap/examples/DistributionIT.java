package io.github.xlsnap.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as a user gets it: the tarball that {@code package} built, unpacked into an empty
 * directory and run by its {@code bin/xlsnap} with nothing but a Java runtime (this JVM's) and the
 * system's {@code /usr/bin:/bin}: no Maven, no class path, no variables but PATH, JAVA_HOME and HOME.
 * Run by failsafe after {@code package}; the tarball's path comes from the build.
 */
class DistributionIT {
  @TempDir static Path work;
  static Path dist;
  static Path home;

  record Result(int code, String out, String err) {}

  @BeforeAll
  static void unpack() throws Exception {
    Path tarball = Path.of(System.getProperty("xlsnap.dist", "target/xlsnap-unknown.tar.gz"));
    assertThat(tarball).as("the distribution built by package").isRegularFile();
    Result tar = run(Map.of(), work, "tar", "xzf", tarball.toAbsolutePath().toString());
    assertThat(tar.code()).as(tar.err()).isZero();
    dist = work.resolve("xlsnap-" + System.getProperty("xlsnap.version"));
    home = Files.createDirectory(work.resolve("home"));
  }

  /** Runs a command with only PATH, JAVA_HOME, HOME and the given variables in its environment. */
  static Result run(Map<String, String> env, Path cwd, String... command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(cwd.toFile());
    pb.environment().clear();
    pb.environment().put("PATH", "/usr/bin:/bin");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("HOME", home == null ? work.toString() : home.toString());
    pb.environment().putAll(env);
    File out = File.createTempFile("dist-out", ".txt");
    File err = File.createTempFile("dist-err", ".txt");
    try {
      Process p = pb.redirectOutput(out).redirectError(err).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .start();
      assertThat(p.waitFor(300, TimeUnit.SECONDS)).as("%s finished", List.of(command)).isTrue();
      return new Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
          Files.readString(err.toPath(), StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out.toPath());
      Files.deleteIfExists(err.toPath());
    }
  }

  static Result xlsnap(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(dist.resolve("bin/xlsnap").toString()));
    command.addAll(List.of(args));
    return run(env, work, command.toArray(String[]::new));
  }

  @Test
  void holdsTheLauncherJarsManPagesCompletionAndLicense() throws IOException {
    assertThat(dist.resolve("bin/xlsnap")).isExecutable();
    assertThat(dist.resolve("lib/xlsnap-examples-" + System.getProperty("xlsnap.version") + ".jar")).isRegularFile();
    assertThat(dist.resolve("lib/picocli-4.7.7.jar")).isRegularFile();
    assertThat(dist.resolve("LICENSE")).content().contains("Apache License");
    assertThat(dist.resolve("README")).content().contains("bin/xlsnap demo");
    assertThat(dist.resolve("man/man1/xlsnap.1")).content().startsWith(".\\\"").contains(".TH XLSNAP 1")
        .contains(".SH EXIT STATUS").contains("snapshot\\-revert");
    assertThat(dist.resolve("man/man1/xlsnap-snapshot-delete.1")).content().contains(".SH OPTIONS")
        .contains("\\fI<snapshotname>\\fR");
    assertThat(dist.resolve("man/adoc/xlsnap-snapshot-delete.adoc")).content().contains(":doctype: manpage");
    assertThat(dist.resolve("completion/xlsnap.bash")).content().contains("complete -F _xlsnap_complete")
        .contains("__complete snapshots");
    try (Stream<Path> jars = Files.list(dist.resolve("lib"))) {
      assertThat(jars.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith("junit") || n.startsWith("assertj") || n.startsWith("picocli-codegen"));
    }
  }

  @Test
  void theManPageRendersWithoutWarnings() throws Exception {
    Result man = run(Map.of(), work, "groff", "-man", "-Tutf8", "-ww", "-z",
        dist.resolve("man/man1/xlsnap-snapshot-list.1").toString());
    assertThat(man.code()).as(man.err()).isZero();
    assertThat(man.err()).isEmpty();
  }

  @Test
  void runsTheDemoAndVersionWithOnlyAJavaRuntimeAndKeepsAStartUpArchive() throws Exception {
    Path cache = work.resolve("cache-demo");
    Map<String, String> env = Map.of("XDG_CACHE_HOME", cache.toString());
    Result demo = xlsnap(env, "demo");
    assertThat(demo.code()).as(demo.err()).isZero();
    assertThat(demo.out()).contains("base\n  |\n  +- v3\n  |\n  +- experiment (current)\n");
    assertThat(demo.err()).isEmpty();
    try (Stream<Path> archives = Files.list(cache.resolve("xlsnap"))) {
      assertThat(archives.map(p -> p.getFileName().toString()).toList())
          .singleElement().asString().startsWith(System.getProperty("xlsnap.version") + "-").endsWith("-demo.jsa");
    }

    Result version = xlsnap(env, "--version");
    assertThat(version.code()).as(version.err()).isZero();
    assertThat(version.out()).isEqualTo("xlsnap " + System.getProperty("xlsnap.version") + "\n");
    assertThat(version.err()).isEmpty();
  }

  @Test
  void runsQuietlyWhenTheArchiveCannotBeWrittenOrIsForeign() throws Exception {
    Path notADirectory = Files.writeString(work.resolve("cache-file"), "x");
    Result unwritable = xlsnap(Map.of("XDG_CACHE_HOME", notADirectory.toString()), "help");
    assertThat(unwritable.code()).as(unwritable.err()).isZero();
    assertThat(unwritable.err()).isEmpty();

    // a command that fails leaves no archive behind (a mistyped command would name one)
    Path cache = work.resolve("cache-foreign");
    Result failed = xlsnap(Map.of("XDG_CACHE_HOME", cache.toString()), "list", "--connect", "sim://" + work.resolve("h0"));
    assertThat(failed.err()).contains("no simulated host");
    try (Stream<Path> archives = Files.list(cache.resolve("xlsnap"))) {
      assertThat(archives).isEmpty();
    }

    // an archive of another runtime or class path under our name: ignored, not reported
    Path host = work.resolve("h-foreign");
    Result init = xlsnap(Map.of("XDG_CACHE_HOME", cache.toString()), "sim-init", host.toString(), "--domain", "web");
    assertThat(init.code()).as(init.err()).isZero();
    Result first = xlsnap(Map.of("XDG_CACHE_HOME", cache.toString()), "list", "--connect", "sim://" + host);
    assertThat(first.code()).as(first.err()).isZero();
    try (Stream<Path> archives = Files.list(cache.resolve("xlsnap"))) {
      List<Path> written = archives.toList();
      assertThat(written).extracting(p -> p.getFileName().toString())
          .anySatisfy(name -> assertThat(name).endsWith("-list.jsa"));
      for (Path archive : written) {
        archive.toFile().setWritable(true);
        Files.writeString(archive, "not an archive");
      }
    }
    Result foreign = xlsnap(Map.of("XDG_CACHE_HOME", cache.toString()), "list", "--connect", "sim://" + host);
    assertThat(foreign.code()).as(foreign.err()).isZero();
    assertThat(foreign.err()).isEmpty();
    assertThat(foreign.out()).isEqualTo(first.out());

    Result off = xlsnap(Map.of("XLSNAP_CDS", "off", "XDG_CACHE_HOME", work.resolve("cache-off").toString()),
        "--version");
    assertThat(off.code()).isZero();
    assertThat(work.resolve("cache-off")).doesNotExist();
  }

  @Test
  void refusesAJavaRuntimeOlderThan17WithAClearError() throws Exception {
    Path fakeHome = Files.createDirectories(work.resolve("old-jre/bin"));
    Path fakeJava = Files.writeString(fakeHome.resolve("java"), "#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n");
    fakeJava.toFile().setExecutable(true);
    Result old = xlsnap(Map.of("JAVA_HOME", work.resolve("old-jre").toString()), "--version");
    assertThat(old.code()).isEqualTo(2);
    assertThat(old.err()).contains("needs Java 17 or later").contains("11.0.2");
  }

  @Test
  void bashCompletesDomainAndSnapshotNamesOnASimulatedHost() throws Exception {
    Path host = work.resolve("host");
    Map<String, String> env = Map.of("XDG_CACHE_HOME", work.resolve("cache-completion").toString());
    Result init = xlsnap(env, "sim-init", host.toString(), "--domain", "web", "--domain", "db", "--memory", "64K",
        "--disk", "1M");
    assertThat(init.code()).as(init.err()).isZero();
    String connect = "sim://" + host;
    for (String name : List.of("base", "v2")) {
      Result r = xlsnap(env, "--connect", connect, "snapshot-create", "web", "--name", name);
      assertThat(r.code()).as(r.err()).isZero();
    }
    String hostPath = host.toString().substring(1); // bash splits sim:///x into sim, :, ///x

    assertThat(complete("xlsnap snapshot-delete ", Map.of("XLSNAP_CONNECT", connect)))
        .containsExactlyInAnyOrder("web", "db");
    assertThat(complete("xlsnap --connect " + connect + " snapshot-delete web ", Map.of(),
        "xlsnap", "--connect", "sim", ":", "//" + hostPath, "snapshot-delete", "web", ""))
        .containsExactly("base", "v2");
    assertThat(complete("xlsnap snapshot-revert web b", Map.of("XLSNAP_CONNECT", connect))).containsExactly("base");
    assertThat(complete("xlsnap snapshot-list web --from ", Map.of("XLSNAP_CONNECT", connect)))
        .containsExactly("base", "v2");
    assertThat(complete("xlsnap snapshot-create --name x w", Map.of("XLSNAP_CONNECT", connect)))
        .containsExactly("web");
    // picocli's part: commands and options
    assertThat(complete("xlsnap snapshot-l", Map.of())).containsExactly("snapshot-list");
    assertThat(complete("xlsnap snapshot-list web --tr", Map.of())).containsExactly("--tree");
    // no host: no names, and nothing on the terminal
    assertThat(complete("xlsnap snapshot-delete web ", Map.of("XLSNAP_CONNECT", "sim://" + work.resolve("none"))))
        .isEmpty();
  }

  /**
   * What bash completion offers for a line (the cursor at its end), as bash would call the
   * script's function; the words are the line split on blanks unless given.
   */
  private List<String> complete(String line, Map<String, String> env, String... words) throws Exception {
    List<String> w = words.length > 0 ? List.of(words) : new ArrayList<>(List.of(line.split(" ", -1)));
    StringBuilder script = new StringBuilder("source \"$DIST/completion/xlsnap.bash\"\nCOMP_WORDS=(");
    for (String word : w) {
      script.append(" '").append(word.replace("'", "'\\''")).append('\'');
    }
    script.append(" )\nCOMP_CWORD=").append(w.size() - 1).append('\n')
        .append("COMP_LINE='").append(line.replace("'", "'\\''")).append("'\nCOMP_POINT=${#COMP_LINE}\n")
        .append("_xlsnap_complete xlsnap \"${COMP_WORDS[COMP_CWORD]}\" \"${COMP_WORDS[COMP_CWORD-1]}\"\n")
        .append("printf '%s\\n' \"${COMPREPLY[@]}\"\n");
    Map<String, String> all = new TreeMap<>(env);
    all.put("DIST", dist.toString());
    all.put("PATH", dist.resolve("bin") + ":/usr/bin:/bin");
    all.put("XDG_CACHE_HOME", work.resolve("cache-completion").toString());
    Result r = run(all, work, "bash", "-c", script.toString());
    assertThat(r.code()).as(r.err()).isZero();
    // picocli's functions call compopt, which bash refuses outside a real completion: only that is allowed
    assertThat(r.err().lines().filter(l -> !l.endsWith("compopt: not currently executing completion function")))
        .as(line).isEmpty();
    return r.out().lines().filter(s -> !s.isEmpty()).toList();
  }
}
