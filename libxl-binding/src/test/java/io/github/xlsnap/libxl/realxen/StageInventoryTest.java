package io.github.xlsnap.libxl.realxen;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-xen stage's judge ({@code src/it/real-xen/judge.pl}, run by {@code check.sh}) on reports
 * made from the stage's own inventory: a run as the inventory expects passes, and each way a run can
 * fall short of it fails with a line naming the test.
 */
class StageInventoryTest {
  private static final Path STAGE = Path.of("src", "it", "real-xen");
  private static final Path INVENTORY = STAGE.resolve("inventory.txt");
  /** A test with an allowed skip, added to a copy of the inventory for the tests of skips. */
  private static final String SKIPPABLE = "io.github.xlsnap.libxl.SomeContractTest#onlyWithLogDirty()";
  private static final String SKIP_REASON = "live checkpoint unsupported by this Xen (no log-dirty)";

  private Path inventory = INVENTORY;

  @TempDir Path dir;
  /** The inventory's tests: id to the allowed skip reason, or null for "pass". */
  private final Map<String, String> tests = new LinkedHashMap<>();
  private final List<String> scenarioRules = new ArrayList<>();

  record Judged(int code, String out) {}

  @BeforeEach
  void readInventory() throws IOException {
    for (String line : Files.readAllLines(INVENTORY, StandardCharsets.UTF_8)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] f = line.split("\t");
      if (f[0].equals("scenario")) {
        scenarioRules.add(f[1]);
      } else {
        tests.put(f[0], f[1].equals("skip") ? f[2] : null);
      }
    }
    assertThat(tests).as("tests in %s", INVENTORY).hasSizeGreaterThan(20);
    assertThat(scenarioRules).as("scenario rules in %s", INVENTORY).isNotEmpty();
  }

  /** A testcase element for the report. */
  private static String testcase(String id, String inner) {
    int hash = id.indexOf('#');
    String open = "<testcase name=\"" + id.substring(hash + 1) + "\" classname=\"" + id.substring(0, hash)
        + "\" time=\"1.0\"";
    return inner.isEmpty() ? open + "/>\n" : open + ">\n" + inner + "\n</testcase>\n";
  }

  private static String skipped(String reason) {
    return "<skipped><![CDATA[org.opentest4j.TestAbortedException: " + reason + "]]></skipped>";
  }

  /** The report of a run as the inventory expects, each test's element passed through {@code edit}. */
  private String report(Map<String, UnaryOperator<String>> edits, String extra) {
    StringBuilder b = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"JUnit Jupiter\">\n");
    tests.forEach((id, reason) -> {
      String element = testcase(id, reason == null ? "<system-out><![CDATA[ok]]></system-out>" : skipped(reason + "; more"));
      b.append(edits.getOrDefault(id, UnaryOperator.identity()).apply(element));
    });
    return b.append(extra).append("</testsuite>\n").toString();
  }

  /** The scenario lines of a run as the inventory expects: one per rule, made to match it. */
  private static final List<String> SCENARIOS = List.of(
      "live snapshot: typed LibxlException ERROR_GUEST_TIMEDOUT (-8), guest kept running",
      "checkpoint interrupted 300 ms into the save: LibxlCancelledException -22 aborted, returned 158 ms after the"
          + " interrupt (675 ms in all); guest running, image empty; cancelled",
      "reboot after an external snapshot (xl sysrq b, on_reboot=restart): 26152 ms",
      "xl save + xl restore after an external snapshot: restore 10528 ms",
      "PVH snapshot 'live-internal' (--live, memory + internal qcow2): final stop 240 ms after 5 rounds, against"
          + " 2400 ms stopped (0.10x)",
      "PVH snapshot 'live-external' (--live, memory + external qcow2): final stop 310 ms after 4 rounds, against"
          + " 2400 ms stopped (0.13x)",
      "revert to live-internal (live, PVH): 9000 ms; first ticks [Tick[memory=9, diskBefore=8]]: memory and disk"
          + " from one instant",
      "xlsnap command line: snapshot-create --live of a PVH guest, snapshot-list, snapshot-revert",
      "restore interrupted 200 ms after its domain appeared: LibxlCancelledException -22 aborted, returned 90 ms after"
          + " the interrupt, no domain left (attempts that finished first: 1); cancelled",
      "P8 stopped snapshot (memory + internal qcow2) of a running PV guest: xlsnap downtime median 1800 ms [1800,"
          + " 1900, 1700]; xl save -c + xl qemu-monitor-command snapshot_blkdev_internal median 1500 ms [1500, 1400,"
          + " 1600] (xl save -c alone 1300 ms); ratio 1.20");

  private Judged judge(String report, List<String> scenarios) throws Exception {
    Path xml = dir.resolve("TEST-junit-jupiter.xml");
    Files.writeString(xml, report, StandardCharsets.UTF_8);
    Path lines = dir.resolve("scenarios.txt");
    Files.write(lines, scenarios, StandardCharsets.UTF_8);
    Process p = new ProcessBuilder("perl", STAGE.resolve("judge.pl").toString(), inventory.toString(),
        lines.toString(), xml.toString()).redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("judge.pl finished").isTrue();
    return new Judged(p.exitValue(), out);
  }

  private String firstPassing() {
    return tests.entrySet().stream().filter(e -> e.getValue() == null).findFirst().orElseThrow().getKey();
  }

  /** Judges against a copy of the inventory with one allowed skip more, {@link #SKIPPABLE}. */
  private String withAnAllowedSkip() throws IOException {
    inventory = dir.resolve("inventory.txt");
    Files.writeString(inventory, Files.readString(INVENTORY, StandardCharsets.UTF_8) + SKIPPABLE + "\tskip\t"
        + SKIP_REASON + "\n", StandardCharsets.UTF_8);
    tests.put(SKIPPABLE, SKIP_REASON);
    return SKIPPABLE;
  }

  @Test
  void aRunAsTheInventoryExpectsPasses() throws Exception {
    Judged j = judge(report(Map.of(), ""), SCENARIOS);
    assertThat(j.code()).as(j.out()).isZero();
    assertThat(j.out()).contains("0 problem(s)");
  }

  @Test
  void anAllowedSkipThatPassesIsFine() throws Exception {
    String id = withAnAllowedSkip();
    Judged j = judge(report(Map.of(id, e -> testcase(id, "")), ""), SCENARIOS);
    assertThat(j.code()).as(j.out()).isZero();
  }

  @Test
  void aListedTestThatDidNotRunFailsTheStage() throws Exception {
    String id = firstPassing();
    Judged j = judge(report(Map.of(id, e -> ""), ""), SCENARIOS);
    assertThat(j.code()).isEqualTo(1);
    assertThat(j.out()).contains("did not run: " + id);
  }

  @Test
  void aWholeClassMissingFailsTheStageOnEachOfItsTests() throws Exception {
    String cls = "io.github.xlsnap.examples.cli.RealXenCliTest";
    Map<String, UnaryOperator<String>> drop = new LinkedHashMap<>();
    tests.keySet().stream().filter(id -> id.startsWith(cls + "#")).forEach(id -> drop.put(id, e -> ""));
    assertThat(drop).isNotEmpty();
    Judged j = judge(report(drop, ""), SCENARIOS);
    assertThat(j.code()).isEqualTo(1);
    drop.keySet().forEach(id -> assertThat(j.out()).contains("did not run: " + id));
  }

  @Test
  void aSkipOfATestThatMustPassFailsTheStage() throws Exception {
    String id = firstPassing();
    Judged j = judge(report(Map.of(id, e -> testcase(id, skipped("no guest kernel"))), ""), SCENARIOS);
    assertThat(j.code()).isEqualTo(1);
    assertThat(j.out()).contains("skipped, and no skip is allowed: " + id).contains("no guest kernel");
  }

  @Test
  void anAllowedSkipWithItsReasonPasses() throws Exception {
    withAnAllowedSkip();
    Judged j = judge(report(Map.of(), ""), SCENARIOS);
    assertThat(j.code()).as(j.out()).isZero();
  }

  @Test
  void anAllowedSkipForAnotherReasonFailsTheStage() throws Exception {
    String id = withAnAllowedSkip();
    Judged j = judge(report(Map.of(id, e -> testcase(id, skipped("libxl not found"))), ""), SCENARIOS);
    assertThat(j.code()).isEqualTo(1);
    assertThat(j.out()).contains("skipped for a reason not allowed: " + id);
  }

  @Test
  void aFailedTestFailsTheStage() throws Exception {
    String id = firstPassing();
    Judged j = judge(report(Map.of(id, e -> testcase(id,
        "<failure message=\"boom\" type=\"java.lang.AssertionError\"><![CDATA[java.lang.AssertionError: boom]]></failure>")),
        ""), SCENARIOS);
    assertThat(j.code()).isEqualTo(1);
    assertThat(j.out()).contains("failed: " + id);
  }

  @Test
  void aTestNotInTheInventoryFailsTheStage() throws Exception {
    Judged j = judge(report(Map.of(), testcase("io.github.xlsnap.libxl.NewTest#somethingNew()", "")), SCENARIOS);
    assertThat(j.code()).isEqualTo(1);
    assertThat(j.out()).contains("not in the inventory").contains("io.github.xlsnap.libxl.NewTest#somethingNew()");
  }

  @Test
  void anInterruptThatNeverCancelledFailsTheStage() throws Exception {
    List<String> finishedFirst = SCENARIOS.stream().map(s -> s.startsWith("checkpoint interrupted")
        ? "checkpoint interrupted 300 ms into the save FINISHED FIRST (123 bytes in 5 ms): success" : s).toList();
    Judged j = judge(report(Map.of(), ""), finishedFirst);
    assertThat(j.code()).isEqualTo(1);
    assertThat(j.out()).contains("no scenario line matches").contains("LibxlCancelledException");
  }
}
