package io.github.xlsnap.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives the {@code xlsnap} command as a user would: a fresh JVM per command, its stdout, stderr and
 * exit code, against a simulated host made with {@code sim-init}.
 */
class CliTest {
  @TempDir Path dir;
  Path host;
  String connect;

  record Result(int code, String out, String err) {
    List<String> lines() {
      return out.lines().toList();
    }
  }

  static Result xlsnap(String... args) throws IOException, InterruptedException {
    return xlsnapWith(java.util.Map.of(), args);
  }

  static Result xlsnapWith(java.util.Map<String, String> env, String... args) throws IOException, InterruptedException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-cp", classPath,
        "io.github.xlsnap.examples.cli.Xlsnap"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("XLSNAP_CONNECT");
    pb.environment().remove("XLSNAP_PROGRESS");
    pb.environment().putAll(env);
    File out = File.createTempFile("xlsnap-out", ".txt");
    File err = File.createTempFile("xlsnap-err", ".txt");
    try {
      Process p = pb.redirectOutput(out).redirectError(err).start();
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("xlsnap %s finished", List.of(args)).isTrue();
      return new Result(p.exitValue(), Files.readString(out.toPath(), StandardCharsets.UTF_8),
          Files.readString(err.toPath(), StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out.toPath());
      Files.deleteIfExists(err.toPath());
    }
  }

  Result on(String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--connect", connect));
    all.addAll(List.of(args));
    return xlsnap(all.toArray(String[]::new));
  }

  Result ok(String... args) throws IOException, InterruptedException {
    Result r = on(args);
    assertThat(r.code()).as("xlsnap %s: %s", List.of(args), r.err()).isZero();
    return r;
  }

  @BeforeEach
  void simulatedHost() throws Exception {
    host = dir.resolve("host");
    Result r = xlsnap("sim-init", host.toString(), "--domain", "web", "--domain", "db", "--memory", "64K", "--disk",
        "1M");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Domain web created").contains("Domain db created");
    connect = "sim://" + host;
  }

  @Test
  void anUnrecoverableInterruptedOperationFailsOneLineUntilAbandoned() throws Exception {
    Path dirOfWeb = host.resolve("snapshots").resolve(uuidOf("web"));
    Files.createDirectories(dirOfWeb);
    Files.writeString(dirOfWeb.resolve("xlsnap-intent.properties"), "format=xlsnap-intent-99\n");

    Result blocked = on("snapshot-create", "web", "--name", "a");
    assertThat(blocked.code()).isEqualTo(1);
    assertThat(blocked.err()).contains("cannot recover the interrupted operation").contains("--abandon");
    assertThat(ok("snapshot-check", "db").out()).isEmpty(); // other domains are not held
    Result abandoned = ok("snapshot-check", "web", "--abandon");
    assertThat(abandoned.out()).contains("abandoned the record").contains("format=xlsnap-intent-99");
    ok("snapshot-create", "web", "--name", "a");
    assertThat(ok("snapshot-check", "web", "--abandon").out()).contains("has no interrupted operation");
  }

  @Test
  void longStepsShowProgressOnStandardErrorOnlyOnATerminalOrWhenAsked() throws Exception {
    Result quiet = ok("snapshot-create", "web", "--name", "a");
    assertThat(quiet.err()).as("standard error is a file here").doesNotContain("saving memory");
    java.util.Map<String, String> always = java.util.Map.of("XLSNAP_PROGRESS", "always");
    Result created = xlsnapWith(always, "--connect", connect, "snapshot-create", "web", "--name", "b");
    assertThat(created.code()).as(created.err()).isZero();
    assertThat(created.err()).containsPattern("saving memory of web: [0-9.]+ KiB of 64\\.0 KiB \\(\\d+%\\) at .*/s - done\n");
    assertThat(created.out()).doesNotContain("saving memory");
    Result live = xlsnapWith(always, "--connect", connect, "snapshot-create", "web", "--name", "live", "--live");
    assertThat(live.code()).as(live.err()).isZero();
    assertThat(live.err()).containsPattern("saving memory of web: .*/s( in \\d+ rounds)? - done\n");
    Result reverted = xlsnapWith(always, "--connect", connect, "snapshot-revert", "web", "a");
    assertThat(reverted.code()).as(reverted.err()).isZero();
    assertThat(reverted.err()).contains("saving memory of web: ").contains("restoring web from ")
        .contains(" - done\n");
    Result never = xlsnapWith(java.util.Map.of("XLSNAP_PROGRESS", "never"), "--connect", connect, "snapshot-create",
        "web", "--name", "c");
    assertThat(never.err()).doesNotContain("saving memory");
  }

  @Test
  void takeOverOnAStoreOfOneHostIsRefusedNamingWhoRecoversTheOperation() throws Exception {
    assertThat(on("snapshot-check", "--take-over", "xen-2").code()).isEqualTo(2);
    assertThat(on("snapshot-check", "--take-over", "xen-2").err()).contains("--take-over needs <domain>");
    assertThat(ok("snapshot-check", "web", "--take-over", "xen-2").out()).contains("has no interrupted operation");
    Path dirOfWeb = host.resolve("snapshots").resolve(uuidOf("web"));
    Files.createDirectories(dirOfWeb);
    Files.writeString(dirOfWeb.resolve("xlsnap-intent.properties"), "format=xlsnap-intent-99\n");
    Result refused = on("snapshot-check", "web", "--take-over", "xen-2");
    assertThat(refused.code()).isEqualTo(2);
    assertThat(refused.err()).contains("was recorded by this host").contains("not by host xen-2");
    assertThat(Files.exists(dirOfWeb.resolve("xlsnap-intent.properties"))).isTrue();
  }

  @Test
  void listShowsDomainsAsXlListDoes() throws Exception {
    Result r = ok("list");
    assertThat(r.lines().get(0)).isEqualTo("Name                                        ID   Mem VCPUs\tState\tTime(s)");
    assertThat(r.out()).contains("Domain-0").containsPattern("web\\s+1\\s+0\\s+1\\s+r-----");
  }

  @Test
  void createListRevertDeleteThroughTheCommandLine() throws Exception {
    ok("sim-write", "web", "--disk", "xvda", "--pattern", "first");
    Result created = ok("snapshot-create", "web");
    assertThat(created.out()).containsPattern("Domain snapshot \\d{8}T\\d{6}Z created");
    String first = created.out().replaceAll("(?s).*snapshot (\\S+) created.*", "$1");

    ok("sim-write", "web", "--disk", "xvda", "--pattern", "second");
    ok("snapshot-create", "web", "--name", "second", "--live");
    ok("sim-write", "web", "--disk", "xvda", "--pattern", "third");

    Result table = ok("snapshot-list", "web", "--parent");
    assertThat(table.lines().get(0)).contains("Name").contains("Creation Time").contains("State").contains("Parent");
    assertThat(table.out()).containsPattern("second\\s+\\d{4}-\\d{2}-\\d{2} \\S+ \\+0000\\s+running\\s+" + first);
    assertThat(ok("snapshot-list", "web", "--name").lines()).containsExactly(first, "second");
    assertThat(ok("snapshot-current", "web").out().trim()).isEqualTo("second");

    ok("snapshot-revert", "web", first, "--paused");
    assertThat(ok("sim-read", "web", "--disk", "xvda").out().trim()).isEqualTo("first");
    assertThat(ok("list").out()).containsPattern("web\\s+\\d+\\s+0\\s+1\\s+--p---");
    ok("snapshot-revert", "web", "second", "--running");
    assertThat(ok("sim-read", "web", "--disk", "xvda").out().trim()).isEqualTo("second");
    assertThat(ok("list").out()).containsPattern("web\\s+\\d+\\s+0\\s+1\\s+r-----");

    ok("snapshot-delete", "web", first);
    assertThat(ok("snapshot-list", "web", "--roots", "--name").lines()).containsExactly("second");
    assertThat(ok("snapshot-info", "web", "second").out()).contains("Parent:         -");
  }

  @Test
  void treeRootsLeavesFromAndJson() throws Exception {
    ok("snapshot-create", "web", "--name", "a");
    ok("snapshot-create", "web", "--name", "b");
    ok("snapshot-revert", "web", "a");
    ok("snapshot-create", "web", "--name", "c");
    assertThat(ok("snapshot-list", "web", "--tree").out()).isEqualTo("a\n  |\n  +- b\n  |\n  +- c (current)\n\n");
    assertThat(ok("snapshot-list", "web", "--leaves", "--name").lines()).containsExactly("b", "c");
    assertThat(ok("snapshot-list", "web", "--from", "a", "--name").lines()).containsExactly("b", "c");
    assertThat(ok("snapshot-list", "web", "--internal", "--name").lines()).containsExactly("a", "b", "c");
    assertThat(ok("snapshot-list", "web", "--external", "--name").lines()).isEmpty();
    String json = ok("snapshot-list", "web", "--json").out().trim();
    assertThat(json).startsWith("{\"schema\":\"xlsnap/1\",\"domain\":{\"name\":\"web\",\"uuid\":\"" + uuidOf("web")
        + "\"},\"snapshots\":[{\"name\":\"a\"").contains("\"children\":[\"b\",\"c\"]").endsWith("}]}");
    assertThat(ok("snapshot-info", "web", "c", "--json").out()).contains("\"current\":true").contains("\"parent\":\"a\"");
    Result info = ok("snapshot-info", "web", "a");
    assertThat(info.out()).contains("Name:           a").contains("Children:       2").contains("Descendants:    2")
        .contains("Location:       internal").containsPattern("Disk xvda:\\s+internal xlsnap-");
  }

  @Test
  void deleteModesKeepWhatTheySay() throws Exception {
    ok("snapshot-create", "web", "--name", "a");
    ok("snapshot-create", "web", "--name", "b");
    ok("snapshot-create", "web", "--name", "c");
    ok("snapshot-delete", "web", "b");
    assertThat(ok("snapshot-list", "web", "--tree").out()).isEqualTo("a\n  |\n  +- c (current)\n\n");
    ok("snapshot-delete", "web", "a", "--children-only");
    assertThat(ok("snapshot-list", "web", "--name").lines()).containsExactly("a");
    ok("snapshot-create", "web", "--name", "d");
    ok("snapshot-delete", "web", "a", "--children");
    assertThat(ok("snapshot-list", "web", "--name").lines()).isEmpty();
  }

  @Test
  void badInputGivesOneLineAndAnExitCodeAndChangesNothing() throws Exception {
    ok("snapshot-create", "web", "--name", "a");
    String before = ok("snapshot-list", "web", "--json").out();

    expect(on("snapshot-create", "nope"), ExitCodes.NOT_FOUND, "domain nope not found");
    expect(on("snapshot-revert", "web", "zz"), ExitCodes.NOT_FOUND, "no snapshot named 'zz'");
    expect(on("snapshot-delete", "web", "zz"), ExitCodes.NOT_FOUND, "no snapshot named 'zz'");
    expect(on("snapshot-create", "web", "--name", "x/y"), ExitCodes.USAGE, "contains '/'");
    expect(on("snapshot-create", "web", "--name", "a"), ExitCodes.REFUSED, "already has a snapshot named 'a'");
    expect(on("snapshot-revert", "web", "a", "--running", "--paused"), ExitCodes.USAGE, "mutually exclusive");
    expect(on("snapshot-delete", "web", "a", "--children", "--children-only"), ExitCodes.USAGE, "mutually exclusive");
    expect(on("snapshot-list", "web", "--tree", "--name"), ExitCodes.USAGE, "--tree and --name exclude each other");
    expect(on("snapshot-list", "web", "--bogus"), ExitCodes.USAGE, "Unknown option");
    expect(xlsnap("--connect", "sim://" + dir.resolve("none"), "list"), ExitCodes.USAGE, "no simulated host");
    expect(xlsnap("--connect", "ftp://x", "list"), ExitCodes.USAGE, "unknown scheme");
    // this machine is no Xen dom0: the libxl backend says what is missing, in one line
    expect(xlsnap("--connect", "xen:///system", "list"), ExitCodes.FAILURE, "/dev/xen/privcmd is missing");

    assertThat(ok("snapshot-list", "web", "--json").out()).isEqualTo(before);
    assertThat(ok("list").out()).containsPattern("web\\s+1\\s+0\\s+1\\s+r-----");
  }

  @Test
  void riskyRevertNeedsForceAndTheGuardIsReported() throws Exception {
    ok("sim-write", "web", "--memory", "--pattern", "kept");
    ok("snapshot-create", "web", "--name", "a");
    Files.delete(host.resolve("snapshots").resolve(uuidOf("web")).resolve("a.memory"));
    expect(on("snapshot-revert", "web", "a"), ExitCodes.REFUSED, "needs --force");
    assertThat(ok("sim-read", "web", "--memory").out().trim()).isEqualTo("kept");
    ok("snapshot-revert", "web", "a", "--force");
    assertThat(ok("sim-read", "web", "--memory").out().trim()).isEmpty(); // booted from disk
  }

  @Test
  void cfgfileValuesWinOverOptions() throws Exception {
    Path cfg = dir.resolve("snap.cfg");
    Files.writeString(cfg, "# a snapshot cfgfile\nname=\"from-cfgfile\"\ndescription=\"nightly\"\n"
        + "disks=['xvda,1,qcow2," + dir.resolve("xvda-overlay.qcow2") + "']\n");
    Result created = ok("snapshot-create", "web", cfg.toString(), "--name", "from-option");
    assertThat(created.out()).contains("Domain snapshot from-cfgfile created");
    assertThat(created.err()).contains("the cfgfile's name 'from-cfgfile' wins over --name from-option");
    Result info = ok("snapshot-info", "web", "from-cfgfile");
    assertThat(info.out()).contains("Description:    nightly").contains("Location:       external")
        .contains("overlay " + dir.resolve("xvda-overlay.qcow2"));
    assertThat(dir.resolve("xvda-overlay.qcow2")).isRegularFile();

    Path bad = dir.resolve("bad.cfg");
    Files.writeString(bad, "name=\"x\"\nName=\"y\"\n");
    expect(on("snapshot-create", "web", bad.toString()), ExitCodes.USAGE, bad.toString());
    Path unknown = dir.resolve("unknown.cfg");
    Files.writeString(unknown, "nmae=\"x\"\n");
    expect(on("snapshot-create", "web", unknown.toString()), ExitCodes.USAGE, "nmae");
    // a cfgfile that cannot be read: exit 2 with the file system's reason, once
    Path missing = dir.resolve("missing.cfg");
    expect(on("snapshot-create", "web", missing.toString()), ExitCodes.USAGE,
        "cannot read configuration file " + missing + ": No such file or directory");
    expect(on("snapshot-create", "web", dir.toString()), ExitCodes.USAGE, "Is a directory");
    Path latin1 = dir.resolve("latin1.cfg");
    Files.write(latin1, "name=\"caf\u00e9\"\n".getBytes(StandardCharsets.ISO_8859_1));
    expect(on("snapshot-create", "web", latin1.toString()), ExitCodes.USAGE, latin1 + ":1:10: expected UTF-8 text");
    assertThat(ok("snapshot-list", "web", "--name").lines()).containsExactly("from-cfgfile");
  }

  @Test
  void helpVersionAndUsageAsOperatorsExpect() throws Exception {
    Result none = xlsnap();
    assertThat(none.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(none.err()).startsWith("Usage: xlsnap ").contains("Exit codes:").doesNotContain("xlsnap xlsnap");
    Result help = xlsnap("help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("snapshot-create").contains("Exit codes:")
        .containsPattern("4 +refused: a risky revert without --force").containsPattern("130 +cancelled by Ctrl-C");
    Result helpCreate = xlsnap("help", "snapshot-create");
    assertThat(helpCreate.code()).isZero();
    assertThat(helpCreate.out()).startsWith("Usage: xlsnap snapshot-create").contains("<cfgfile>");
    Result version = xlsnap("--version");
    assertThat(version.out().trim()).matches("xlsnap \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?");
    Result bogus = xlsnap("bogus");
    assertThat(bogus.code()).isEqualTo(ExitCodes.USAGE);
    assertThat(bogus.err()).startsWith("xlsnap: ").doesNotContain("xlsnap xlsnap");
  }

  @Test
  void listFilterGroupsAreUnionsCurrentIsAnErrorEitherWayAndSimUrisNeedThreeSlashes() throws Exception {
    expect(on("snapshot-current", "web"), ExitCodes.NOT_FOUND, "domain web has no current snapshot");
    expect(on("snapshot-current", "web", "--json"), ExitCodes.NOT_FOUND, "domain web has no current snapshot");
    ok("snapshot-create", "web", "--name", "int"); // both disks qcow2: internal
    Path cfg = dir.resolve("ext.cfg");
    Files.writeString(cfg, "name=\"ext\"\ndisks=['xvda,1,qcow2," + dir.resolve("ext-xvda.qcow2") + "']\n");
    ok("snapshot-create", "web", cfg.toString());
    assertThat(ok("snapshot-list", "web", "--name", "--internal").lines()).containsExactly("int");
    assertThat(ok("snapshot-list", "web", "--name", "--external").lines()).containsExactly("ext");
    assertThat(ok("snapshot-list", "web", "--name", "--internal", "--external").lines()).containsExactly("int", "ext");
    assertThat(ok("snapshot-list", "web", "--tree", "--from", "int", "--descendants").out()).contains("int").contains("+- ext");
    assertThat(ok("snapshot-current", "web").out().trim()).isEqualTo("ext");
    expect(xlsnap("--connect", "sim://tmp/x", "list"), ExitCodes.USAGE, "write sim:///tmp/x (three slashes)");
  }

  @Test
  void theGuardReachesOperatorsThroughDestroyShutdownAndSave() throws Exception {
    ok("snapshot-create", "web", "--name", "a");
    expect(on("destroy", "web"), ExitCodes.REFUSED, "refusing to destroy domain web: it has 1 snapshot(s) [a]");
    expect(on("shutdown", "web"), ExitCodes.REFUSED, "override the guard with --force");
    Path image = dir.resolve("web.save");
    expect(on("save", "web", image.toString()), ExitCodes.REFUSED, "refusing to save domain web");
    assertThat(image).doesNotExist();
    assertThat(ok("list").out()).containsPattern("web\\s+1\\s+0\\s+1\\s+r-----");

    ok("save", "db", dir.resolve("db.save").toString()); // no snapshots: no guard
    assertThat(dir.resolve("db.save")).isNotEmptyFile();
    assertThat(ok("list").out()).doesNotContain("db ");
    String uuid = uuidOf("web");
    ok("save", "web", image.toString(), "--force");
    assertThat(image).isNotEmptyFile();
    assertThat(ok("list").out()).doesNotContain("web ");
    // the snapshots are kept, reached by the domain's UUID
    assertThat(ok("snapshot-list", uuid, "--name").lines()).containsExactly("a");
  }

  @Test
  void namesStartingWithADashAreRefused() throws Exception {
    expect(on("snapshot-create", "web", "--name=-x"), ExitCodes.USAGE, "starts with '-'");
    assertThat(ok("snapshot-list", "web", "--name").out()).isEmpty();
  }

  @Test
  void configDumpPrintsWhatWasUnderstood() throws Exception {
    Path cfg = dir.resolve("vm.cfg");
    Files.writeString(cfg, "name = \"vm1\"\nmemory = 0x200\nvcpus = 2\n"
        + "disk = [ 'format=qcow2, vdev=xvda, access=rw, target=/images/vm1.qcow2' ]\n"
        + "extra = [ 'a', [ 'b', 1 ] ]\nvcpus = 4 # the last assignment wins\n");
    assertThat(xlsnap("config-dump", cfg.toString()).out().trim()).isEqualTo(
        "{\"schema\":\"xlsnap/1\",\"file\":\"" + cfg.toAbsolutePath() + "\",\"kind\":\"xl-config\",\"config\":"
        + "{\"name\":\"vm1\",\"memory\":\"0x200\",\"disk\":[\"format=qcow2, vdev=xvda, access=rw, "
            + "target=/images/vm1.qcow2\"],\"extra\":[\"a\",[\"b\",\"1\"]],\"vcpus\":\"4\"}}");
    assertThat(xlsnap("config-dump", cfg.toString(), "--domain").out()).contains("\"name\":\"vm1\"")
        .contains("\"memory\":512").contains("\"vdev\":\"xvda\"").contains("\"target\":\"/images/vm1.qcow2\"")
        .contains("\"format\":\"qcow2\"");
    Path snap = dir.resolve("snap.cfg");
    Files.writeString(snap, "name=\"s\"\ndisks=['xvda,0']\n");
    assertThat(xlsnap("config-dump", snap.toString(), "--snapshot").out().trim())
        .endsWith("\"kind\":\"snapshot-cfgfile\",\"config\":{\"name\":\"s\",\"disks\":[{\"target\":\"xvda\",\"mode\":\"internal\"}]}}");
    Path bad = dir.resolve("bad.cfg");
    Files.writeString(bad, "x = -1\n");
    expect(xlsnap("config-dump", bad.toString()), ExitCodes.USAGE, bad.toString());
  }

  @Test
  void snapshotCheckReportsAndRepairsOneFindingALine() throws Exception {
    ok("snapshot-create", "web", "--name", "a");
    ok("snapshot-create", "db", "--name", "b");
    assertThat(ok("snapshot-check").out()).isEmpty();
    Path stray = host.resolve("snapshots").resolve(uuidOf("web")).resolve("snapshotdata-junk.libxl-json");
    Files.writeString(stray, "{ not json");
    Result found = on("snapshot-check", "web");
    assertThat(found.code()).isEqualTo(ExitCodes.FAILURE);
    assertThat(found.lines()).singleElement().asString().contains("CORRUPT_FILE").contains(stray.toString());
    assertThat(ok("snapshot-check", "db").out()).isEmpty();
    Result repaired = on("snapshot-check", "web", "--repair");
    assertThat(repaired.out()).contains("quarantined");
    assertThat(stray).doesNotExist();
    assertThat(ok("snapshot-check").out()).isEmpty();
    assertThat(ok("snapshot-list", "web", "--name").lines()).containsExactly("a");
  }

  @Test
  void guestCommandsNeedTheSimulatedHostAndOnePlace() throws Exception {
    expect(on("sim-read", "web"), ExitCodes.USAGE, "Missing required argument");
    expect(on("sim-read", "web", "--memory", "--disk", "xvda"), ExitCodes.USAGE, "mutually exclusive");
    expect(xlsnap("--connect", "xen:///system", "sim-read", "web", "--memory"), ExitCodes.USAGE,
        "need a simulated host");
    expect(xlsnap("sim-init", dir.resolve("h2").toString(), "--memory", "lots"), ExitCodes.USAGE, "not a size");
  }

  @Test
  void helpOnEveryCommandCompletionAndDemo() throws Exception {
    for (String c : List.of("list", "snapshot-create", "snapshot-delete", "snapshot-revert", "snapshot-list",
        "snapshot-info", "snapshot-current", "snapshot-check", "config-dump", "sim-init", "sim-write", "sim-read",
        "demo")) {
      Result r = xlsnap(c, "--help");
      assertThat(r.code()).as(c).isZero();
      assertThat(r.out()).as(c).startsWith("Usage: xlsnap " + c);
    }
    assertThat(xlsnap("generate-completion").out()).contains("complete -F").contains("snapshot-revert");
    Result demo = xlsnap("demo");
    assertThat(demo.code()).as(demo.err()).isZero();
    assertThat(demo.out()).contains("base\n  |\n  +- v3\n  |\n  +- experiment (current)\n");
  }

  @Test
  void snapshotsExportedFromOneStoreAndImportedIntoAnotherListTheSameTree() throws Exception {
    ok("snapshot-create", "web", "--name", "a");
    ok("snapshot-create", "web", "--name", "b");
    ok("snapshot-revert", "web", "a");
    ok("snapshot-create", "web", "--name", "c", "--live");
    Path file = dir.resolve("web.json");
    Result exported = ok("snapshot-export", "web", "-o", file.toString());
    assertThat(exported.err()).contains("Exported 3 snapshot(s) of domain web to " + file);
    assertThat(ok("snapshot-export", "web").out()).isEqualTo(Files.readString(file));
    String other = dir.resolve("other-store").toString();

    Result imported = ok("--store", other, "snapshot-import", "web", file.toString());

    assertThat(imported.out().trim()).isEqualTo("Imported 3 snapshot(s) of domain web for web (current: c)");
    assertThat(ok("--store", other, "snapshot-list", "web", "--tree").out())
        .isEqualTo(ok("snapshot-list", "web", "--tree").out()).contains("+- c");
    assertThat(ok("--store", other, "snapshot-current", "web").out().trim()).isEqualTo("c");
    assertThat(ok("--store", other, "snapshot-list", "web", "--json").out())
        .isEqualTo(ok("snapshot-list", "web", "--json").out());
    assertThat(ok("--store", other, "snapshot-check", "web").out()).isEmpty();
    ok("--store", other, "snapshot-revert", "web", "b");

    expect(on("--store", other, "snapshot-import", "web", file.toString()), 4,
        "already has snapshot metadata here (3 snapshot(s) [a, b, c]); replace it with --replace");
    assertThat(ok("--store", other, "snapshot-import", "web", file.toString(), "--replace").out())
        .contains("Imported 3 snapshot(s)");
    expect(on("--store", other, "snapshot-import", "db", file.toString()), 4, "--other-domain");
    assertThat(ok("--store", other, "snapshot-import", "db", file.toString(), "--other-domain").out())
        .contains("Imported 3 snapshot(s) of domain web for db");
    assertThat(ok("--store", other, "snapshot-list", "db", "--name").lines()).containsExactly("a", "b", "c");

    expect(on("snapshot-forget", "web"), 4, "it is on this host; forget it with --force");
    assertThat(ok("snapshot-forget", "web", "--force").out().trim())
        .isEqualTo("Forgot 3 snapshot(s) of domain web; their files are kept");
    assertThat(ok("snapshot-list", "web", "--name").out()).isEmpty();
    ok("--store", other, "snapshot-revert", "web", "a"); // every file is still there
  }

  @Test
  void anImportNamingAMissingFileOrAMalformedDocumentIsRefusedNamingIt() throws Exception {
    ok("snapshot-create", "web", "--name", "a");
    Path file = dir.resolve("web.json");
    ok("snapshot-export", "web", "-o", file.toString());
    String other = dir.resolve("other-store").toString();
    String memory = Files.readString(file).replaceAll("(?s).*\"memory_path\" : \"([^\"]+)\".*", "$1");
    Files.move(Path.of(memory), dir.resolve("moved.memory"));

    expect(on("--store", other, "snapshot-import", "web", file.toString()), 4,
        "missing here: memory image " + memory + " of snapshot 'a'");
    Files.move(dir.resolve("moved.memory"), Path.of(memory));

    Path bad = dir.resolve("bad.json");
    Files.writeString(bad, Files.readString(file).replace("\"version\" : 1", "\"version\" : 7"));
    expect(on("--store", other, "snapshot-import", "web", bad.toString()), 2,
        bad + ": future_format_version: version 7 is newer than 1");
    Files.writeString(bad, Files.readString(file).substring(0, 100));
    expect(on("--store", other, "snapshot-import", "web", bad.toString()), 2, bad + ": truncated");
    expect(on("--store", other, "snapshot-import", "web", dir.resolve("none.json").toString()), 2,
        "No such file or directory");
    assertThat(ok("--store", other, "snapshot-list", "web", "--name").out()).isEmpty();
    expect(on("--store", "mysql://db/x", "snapshot-list", "web"), 2, "unknown URL");
  }

  private String uuidOf(String domain) throws Exception {
    String json = ok("list", "--json").out();
    return json.replaceAll("(?s).*\"name\":\"" + domain + "\",\"uuid\":\"([^\"]+)\".*", "$1");
  }

  private static void expect(Result r, int code, String message) {
    assertThat(r.code()).as("exit code; stderr: %s", r.err()).isEqualTo(code);
    assertThat(r.err()).contains(message);
    assertThat(r.err().lines().filter(l -> !l.startsWith("try: ")).count()).as("one line: %s", r.err()).isEqualTo(1);
    assertThat(r.out()).isEmpty();
  }
}
