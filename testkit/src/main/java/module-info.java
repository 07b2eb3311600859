/**
 * xlsnap's test kit: the contract suites every implementation of an SPI must pass, as abstract JUnit 5
 * classes with a factory method ({@link io.github.xlsnap.testkit.HypervisorContract} for a
 * {@link io.github.xlsnap.core.spi.Hypervisor}, {@link io.github.xlsnap.testkit.SnapshotStoreContract}
 * for a {@link io.github.xlsnap.core.spi.SnapshotStore}), with the hooks they take, and
 * {@link io.github.xlsnap.testkit.PrivatePostgres}, a throw-away PostgreSQL server for tests of stores on
 * it. Use it at test scope.
 */
module io.github.xlsnap.testkit {
  requires transitive io.github.xlsnap.core;
  requires transitive org.junit.jupiter.api;
  requires transitive org.junit.jupiter.params;
  requires transitive org.assertj.core;
  requires transitive org.jspecify;
  requires transitive java.sql;

  exports io.github.xlsnap.testkit;
}
