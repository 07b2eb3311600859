package io.github.xlsnap.store.postgres;

import static io.github.xlsnap.store.postgres.Fixtures.chain;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainMetadata;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The snapshot documents as stored: fields a newer version wrote are kept, whether the snapshot is
 * unchanged or rewritten; a document of a newer format is refused, naming its row; a create writes
 * only the new row and its parent's relations, not every row.
 */
class StoredDocumentsTest {
  private static final UUID DOMAIN = UUID.fromString("e5f6a7b8-c9d0-4e1f-8a2b-3c4d5e6f7a8b");
  private final PrivatePostgres pg = PrivatePostgres.get();
  private String db;
  @TempDir
  Path data;

  @BeforeEach
  void database() {
    db = pg.createDatabase("documents");
  }

  @Test
  void fieldsANewerVersionWroteAreKeptWhenTheSnapshotIsUnchangedOrRewritten() throws Exception {
    DomainMetadata md = chain(DOMAIN, 2, "first");
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      store.save(md);
    }
    pg.execute(db, "UPDATE xlsnap.snapshots SET doc = left(doc, -1) || ',\"future_field\":{\"x\":1}}' "
        + "WHERE name = 's0'");

    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      assertThat(store.load(DOMAIN)).isEqualTo(md);
      DomainMetadata three = chain(DOMAIN, 3, "first"); // s1 gains a child; s0 unchanged
      store.save(three);
      assertThat(doc("s0")).contains("\"future_field\":{\"x\":1}");

      List<Snapshot> changed = new ArrayList<>(three.snapshots());
      Snapshot s0 = changed.get(0);
      changed.set(0, new Snapshot("s0", s0.createTime(), "described again", s0.parent(), s0.children(),
          s0.domainState(), s0.live(), s0.memoryImage(), s0.memoryStamp(), s0.disks(), s0.configuration()));
      DomainMetadata rewritten = new DomainMetadata(DOMAIN, changed, three.current(), three.ownedImages());
      store.save(rewritten);
      assertThat(doc("s0")).contains("\"future_field\":{\"x\":1}").contains("described again");
      assertThat(store.load(DOMAIN)).isEqualTo(rewritten);
    }
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      assertThat(store.load(DOMAIN).snapshots().get(0).description()).isEqualTo("described again");
    }
  }

  @Test
  void aDocumentOfANewerFormatIsRefusedNamingItsRow() {
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      store.save(chain(DOMAIN, 2, "x"));
    }
    pg.execute(db, "UPDATE xlsnap.snapshots SET doc = replace(doc, '\"format_version\":1', '\"format_version\":2') "
        + "WHERE name = 's1'");
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      Throwable thrown = catchThrowable(() -> store.load(DOMAIN));
      assertThat(thrown).isInstanceOf(CorruptRowException.class)
          .hasMessageContaining("xlsnap/snapshots/" + DOMAIN + "/s1").hasMessageContaining("format_version 2");
      assertThat(((CorruptRowException) thrown).rows()).isEqualTo(Path.of("xlsnap", "snapshots", DOMAIN.toString(), "s1"));
    }
  }

  @Test
  void aCreateWritesOnlyTheNewRow() throws Exception {
    try (PostgresSnapshotStore store = pg.builder(db).dataRoot(data).open()) {
      store.save(chain(DOMAIN, 50, "many"));
      long before = lastWriter();
      store.save(chain(DOMAIN, 51, "many"));
      // xmin changes only for rows written: the new one (s49 keeps its document: children are derived)
      assertThat(changedRows(before)).isEqualTo(1);
    }
  }

  private long lastWriter() throws SQLException {
    try (Connection c = pg.connect(db); PreparedStatement ps = c.prepareStatement(
        "SELECT max(xmin::text::bigint) FROM xlsnap.snapshots")) {
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private long changedRows(long lastXmin) throws SQLException {
    try (Connection c = pg.connect(db); PreparedStatement ps = c.prepareStatement(
        "SELECT count(*) FROM xlsnap.snapshots WHERE xmin::text::bigint > ?")) {
      ps.setLong(1, lastXmin);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private String doc(String name) throws SQLException {
    try (Connection c = pg.connect(db);
        PreparedStatement ps = c.prepareStatement("SELECT doc FROM xlsnap.snapshots WHERE name = ?")) {
      ps.setString(1, name);
      try (ResultSet rs = ps.executeQuery()) {
        rs.next();
        return rs.getString(1);
      }
    }
  }
}
