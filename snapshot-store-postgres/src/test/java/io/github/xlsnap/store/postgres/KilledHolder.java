package io.github.xlsnap.store.postgres;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * The process {@link KilledHolderTest} kills: {@code <store directory> <domain>}; opens the store its
 * directory's {@code store.properties} names, takes the domain's lease, records an intent, prints
 * {@code HELD} and waits to be killed.
 */
final class KilledHolder {
  private KilledHolder() {}

  public static void main(String[] args) throws Exception {
    PostgresSnapshotStore store = PostgresSnapshotStoreContractTest.fromProperties(Path.of(args[0])).open();
    UUID domain = UUID.fromString(args[1]);
    store.lockDomain(domain, Duration.ofSeconds(30));
    store.saveIntent(domain, Optional.of("create s9 (by the process about to be killed)"));
    System.out.println("HELD");
    System.out.flush();
    Thread.sleep(Long.MAX_VALUE);
  }
}
