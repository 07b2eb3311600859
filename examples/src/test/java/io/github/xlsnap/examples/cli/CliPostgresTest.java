package io.github.xlsnap.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.testkit.PrivatePostgres;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code xlsnap} command on the pool-wide PostgreSQL store ({@code --store postgresql://...}), on a
 * private PostgreSQL server of the test kit, a fresh JVM per command as in {@link CliTest}.
 */
class CliPostgresTest {
  @TempDir Path dir;
  Path host;
  String pgUrl;
  String jdbcUrl;

  record Result(int code, String out, String err) {}

  static Result xlsnap(Map<String, String> env, String... args) throws IOException, InterruptedException {
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-XX:TieredStopAtLevel=1",
        "-XX:+UseSerialGC", "-cp", classPath, "io.github.xlsnap.examples.cli.Xlsnap"));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("XLSNAP_CONNECT");
    pb.environment().remove("PGPASSWORD");
    pb.environment().remove("PGUSER");
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

  Result on(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> all = new ArrayList<>(List.of("--connect", "sim://" + host, "--data-root",
        dir.resolve("shared").toString(), "--host-id", "host-a"));
    all.addAll(List.of(args));
    return xlsnap(env, all.toArray(String[]::new));
  }

  Result ok(String... args) throws IOException, InterruptedException {
    Result r = on(Map.of(), args);
    assertThat(r.code()).as("xlsnap %s: %s", List.of(args), r.err()).isZero();
    return r;
  }

  @BeforeEach
  void hostAndDatabase() throws Exception {
    host = dir.resolve("host");
    Result r = xlsnap(Map.of(), "sim-init", host.toString(), "--domain", "web", "--memory", "64K", "--disk", "1M");
    assertThat(r.code()).as(r.err()).isZero();
    PrivatePostgres pg = PrivatePostgres.get();
    String db = pg.createDatabase("cli");
    pgUrl = "postgresql://" + PrivatePostgres.SUPERUSER + ":" + PrivatePostgres.PASSWORD + "@127.0.0.1:" + pg.port()
        + "/" + db;
    jdbcUrl = pg.url(db) + "?user=" + PrivatePostgres.SUPERUSER;
  }

  @Test
  void snapshotsExportedFromTheJsonStoreAndImportedIntoPostgresListTheSameTreeAndRevert() throws Exception {
    ok("snapshot-create", "web", "--name", "a");
    ok("sim-write", "web", "--disk", "xvda", "--pattern", "after a");
    ok("snapshot-create", "web", "--name", "b");
    ok("snapshot-revert", "web", "a");
    ok("snapshot-create", "web", "--name", "c");
    Path file = dir.resolve("web.json");
    ok("snapshot-export", "web", "-o", file.toString());

    assertThat(ok("--store", pgUrl, "snapshot-import", "web", file.toString()).out())
        .contains("Imported 3 snapshot(s) of domain web for web (current: c)");

    String tree = ok("snapshot-list", "web", "--tree").out();
    assertThat(ok("--store", pgUrl, "snapshot-list", "web", "--tree").out()).isEqualTo(tree);
    // the JDBC form, the password from PGPASSWORD
    Result viaJdbc = on(Map.of("PGPASSWORD", PrivatePostgres.PASSWORD), "--store", jdbcUrl, "snapshot-list", "web",
        "--tree");
    assertThat(viaJdbc.code()).as(viaJdbc.err()).isZero();
    assertThat(viaJdbc.out()).isEqualTo(tree);
    assertThat(ok("--store", pgUrl, "snapshot-check").out()).isEmpty();

    ok("--store", pgUrl, "snapshot-revert", "web", "b");
    assertThat(ok("sim-read", "web", "--disk", "xvda").out().trim()).isEqualTo("after a");
    ok("--store", pgUrl, "snapshot-create", "web", "--name", "d");
    assertThat(ok("--store", pgUrl, "snapshot-current", "web").out().trim()).isEqualTo("d");
    assertThat(ok("--store", pgUrl, "snapshot-export", "web").out()).contains("\"name\" : \"d\"");
  }

  @Test
  void checkOnPostgresReportsMissingFilesAndHasNoRepair() throws Exception {
    ok("--store", pgUrl, "snapshot-create", "web", "--name", "a");
    String json = ok("--store", pgUrl, "snapshot-export", "web").out();
    Path memory = Path.of(json.replaceAll("(?s).*\"memory_path\" : \"([^\"]+)\".*", "$1"));
    assertThat(memory).startsWith(dir.resolve("shared"));
    Files.delete(memory);

    Result check = on(Map.of(), "--store", pgUrl, "snapshot-check", "web");
    assertThat(check.code()).isEqualTo(1);
    assertThat(check.out()).contains("MISSING_MEMORY_IMAGE " + memory + " [a]");
    Result repair = on(Map.of(), "--store", pgUrl, "snapshot-check", "--repair");
    assertThat(repair.code()).isEqualTo(2);
    assertThat(repair.err()).contains("has no repair");

    Result wrongPassword = on(Map.of("PGPASSWORD", "wrong"), "--store", jdbcUrl, "snapshot-list", "web");
    assertThat(wrongPassword.code()).isEqualTo(1);
    assertThat(wrongPassword.err()).contains(jdbcUrl.replaceAll("\\?.*", "")).doesNotContain("wrong");
  }
}
