/**
 * xlsnap's pool-wide snapshot metadata store on PostgreSQL:
 * {@link io.github.xlsnap.store.postgres.PostgresSnapshotStore}, for hosts that share a database, so
 * that a domain's snapshots follow it between hosts. Exports only {@code io.github.xlsnap.store.postgres}.
 */
module io.github.xlsnap.store.postgres {
  requires transitive io.github.xlsnap.core;
  requires java.sql;
  requires org.postgresql.jdbc;
  requires com.zaxxer.hikari;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires transitive org.jspecify;

  exports io.github.xlsnap.store.postgres;
}
