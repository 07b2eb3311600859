package io.github.xlsnap.store;

import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * Opens a {@link JsonSnapshotStore}: the store factory with which this module's build runs core's
 * FailureAtomicityTest and ModelBasedLifecycleTest (from core's test-jar; see the surefire execution
 * {@code core-suites-on-the-json-store} of this module's POM).
 */
public final class JsonStoreForCoreSuites implements Function<Path, SnapshotStore> {
  /** Made by the core suites, by reflection. */
  public JsonStoreForCoreSuites() {}

  @Override
  public SnapshotStore apply(Path directory) {
    return JsonSnapshotStore.open(directory);
  }
}
