package io.github.xlsnap.store.postgres;

import static io.github.xlsnap.store.postgres.Fixtures.chain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.xlsnap.core.XlsnapException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The database unreachable, refusing the credentials, read-only, or at a newer schema: typed errors. */
class TypedErrorsTest {
  private static final UUID DOMAIN = UUID.fromString("0e1d2c3b-4a59-4867-9564-738291a0b1c2");
  private final PrivatePostgres pg = PrivatePostgres.get();
  @TempDir
  Path data;

  @Test
  void anUnreachableDatabaseIsTypedAndNamesTheUrlWithoutThePassword() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      closedPort = s.getLocalPort();
    }
    String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/nowhere?password=s3cret&connectTimeout=2";

    Throwable thrown = catchThrowable(() -> PostgresSnapshotStore.builder(url).user("postgres")
        .connectTimeout(Duration.ofSeconds(2)).dataRoot(data).open());

    assertThat(thrown).isInstanceOf(DatabaseUnreachableException.class)
        .hasMessageContaining("127.0.0.1:" + closedPort).hasMessageNotContaining("s3cret");
    assertThat(((PostgresStoreException) thrown).jdbcUrl()).doesNotContain("s3cret");
    assertThat(((PostgresStoreException) thrown).sqlState()).hasValueSatisfying(s -> assertThat(s).startsWith("08"));
  }

  @Test
  void aWrongPasswordIsTyped() {
    String db = pg.createDatabase("auth");
    Throwable thrown = catchThrowable(() -> PostgresSnapshotStore.builder(pg.url(db)).user("postgres")
        .password("wrong").dataRoot(data).open());

    assertThat(thrown).isInstanceOf(DatabaseAuthenticationException.class).hasMessageContaining(pg.url(db))
        .hasMessageNotContaining("wrong");
  }

  @Test
  void aDatabaseAtANewerSchemaIsRefusedAndLeftUnchanged() {
    String db = pg.createDatabase("newer");
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      store.save(chain(DOMAIN, 2, "kept"));
    }
    pg.execute(db, "INSERT INTO xlsnap.xlsnap_schema (version, applied_by) VALUES (99, 'a newer xlsnap')");

    assertThatThrownBy(() -> pg.builder(db).dataRoot(data).open()).isInstanceOf(SchemaVersionException.class)
        .hasMessageContaining("99").hasMessageContaining(pg.url(db))
        .satisfies(e -> assertThat(((SchemaVersionException) e).supported()).isEqualTo(1));

    pg.execute(db, "DELETE FROM xlsnap.xlsnap_schema WHERE version = 99");
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      assertThat(store.load(DOMAIN)).isEqualTo(chain(DOMAIN, 2, "kept"));
    }
  }

  @Test
  void aReadOnlyDatabaseIsRefusedOnOpenAndASaveIntoOneIsTyped() {
    String db = pg.createDatabase("readonly");
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      store.save(chain(DOMAIN, 1, "before"));
      pg.execute(db, "ALTER DATABASE \"" + db + "\" SET default_transaction_read_only = on");
      pg.execute("postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db
          + "' AND pid <> pg_backend_pid()"); // the pool's sessions predate the setting

      Throwable thrown = catchThrowable(() -> store.save(chain(DOMAIN, 2, "after")));
      if (!(thrown instanceof DatabaseReadOnlyException)) {
        // the pool may first hand out a connection the termination broke
        thrown = catchThrowable(() -> store.save(chain(DOMAIN, 2, "after")));
      }
      assertThat(thrown).isInstanceOf(DatabaseReadOnlyException.class).hasMessageContaining(pg.url(db));
      assertThat(store.load(DOMAIN)).isEqualTo(chain(DOMAIN, 1, "before"));
    }

    assertThatThrownBy(() -> pg.builder(db).dataRoot(data).open()).isInstanceOf(DatabaseReadOnlyException.class)
        .hasMessageContaining("read").hasMessageContaining(pg.url(db));
  }

  @Test
  void noSqlExceptionEscapesAnUnknownDatabase() {
    Throwable thrown = catchThrowable(() -> pg.builder("no_such_database").dataRoot(data).open());
    assertThat(thrown).isInstanceOf(XlsnapException.class).hasMessageContaining("no_such_database");
  }
}
