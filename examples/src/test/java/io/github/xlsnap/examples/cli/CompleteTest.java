package io.github.xlsnap.examples.cli;

import static io.github.xlsnap.examples.cli.CliTest.xlsnap;
import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.examples.cli.CliTest.Result;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code xlsnap __complete}, the completion script's source of domain and snapshot names, through
 * the real command line: a fresh JVM per call, against a simulated host.
 */
class CompleteTest {
  @TempDir Path dir;
  String connect;

  @BeforeEach
  void hostWithSnapshots() throws Exception {
    Path host = dir.resolve("host");
    Result init = xlsnap("sim-init", host.toString(), "--domain", "web", "--domain", "db", "--memory", "64K",
        "--disk", "1M");
    assertThat(init.code()).as(init.err()).isZero();
    connect = "sim://" + host;
    for (String name : new String[] {"base", "v2"}) {
      Result r = xlsnap("--connect", connect, "snapshot-create", "web", "--name", name);
      assertThat(r.code()).as(r.err()).isZero();
    }
  }

  @Test
  void printsTheDomainsAndADomainsSnapshotsOneALine() throws Exception {
    Result domains = xlsnap("--connect", connect, "__complete", "domains");
    assertThat(domains.code()).isZero();
    assertThat(domains.lines()).containsExactlyInAnyOrder("web", "db");
    assertThat(domains.err()).isEmpty();

    Result snapshots = xlsnap("__complete", "snapshots", "web", "--connect", connect);
    assertThat(snapshots.code()).isZero();
    assertThat(snapshots.lines()).containsExactly("base", "v2");
    assertThat(snapshots.err()).isEmpty();

    Result none = xlsnap("--connect", connect, "__complete", "snapshots", "db");
    assertThat(none.code()).isZero();
    assertThat(none.out()).isEmpty();
  }

  @Test
  void printsNothingAndSucceedsWhenTheHostCannotBeRead() throws Exception {
    for (String[] args : new String[][] {
        {"--connect", "sim://" + dir.resolve("nowhere"), "__complete", "domains"},
        {"--connect", connect, "__complete", "snapshots", "nosuchdomain"},
        {"--connect", connect, "--store", dir.resolve("nostore").toString(), "__complete", "snapshots", "web"},
        {"--connect", "bogus:", "-v", "__complete", "domains"},
        {"--connect", "xen:///system", "__complete", "domains"}}) {
      Result r = xlsnap(args);
      assertThat(r.code()).as(String.join(" ", args)).isZero();
      assertThat(r.out()).as(String.join(" ", args)).isEmpty();
      assertThat(r.err()).as(String.join(" ", args)).isEmpty();
    }
    assertThat(dir.resolve("nostore")).doesNotExist();
  }

  @Test
  void isHiddenFromUsage() throws Exception {
    Result help = xlsnap("help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("snapshot-list").doesNotContain("__complete");
  }
}
