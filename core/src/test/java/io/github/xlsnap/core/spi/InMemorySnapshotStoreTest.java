package io.github.xlsnap.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class InMemorySnapshotStoreTest {
  private final InMemorySnapshotStore store = new InMemorySnapshotStore(Path.of("/nonexistent/data"));

  @Test
  void aDomainWithOnlyAPendingIntentIsListedForRecovery() {
    UUID domain = UUID.randomUUID();
    store.saveIntent(domain, Optional.of("operation=CREATE\n"));
    assertThat(store.domains()).as("the manager's recoverAll lists domains() first").containsExactly(domain);
    store.saveIntent(domain, Optional.empty());
    assertThat(store.domains()).isEmpty();
  }
}
