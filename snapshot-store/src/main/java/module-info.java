/**
 * xlsnap's durable snapshot metadata store: {@link io.github.xlsnap.store.JsonSnapshotStore}, one
 * libxl-json file per snapshot under {@code <root>/<domain-uuid>/}, crash-safe and safe between
 * threads and processes.
 */
module io.github.xlsnap.store {
  requires transitive io.github.xlsnap.core;
  requires com.fasterxml.jackson.databind;
  requires org.slf4j;
  requires transitive org.jspecify;

  exports io.github.xlsnap.store;
}
