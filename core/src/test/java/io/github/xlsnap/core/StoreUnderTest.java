package io.github.xlsnap.core;

import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import io.github.xlsnap.core.spi.SnapshotStore;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The store that {@link FailureAtomicityTest} and {@link ModelBasedLifecycleTest} run on: an
 * {@link InMemorySnapshotStore}, or, if the system property {@value #FACTORY_PROPERTY} names a class,
 * the store that class opens (a public {@code Function<Path, SnapshotStore>} with a public no-argument
 * constructor). core cannot depend on the JSON store, so snapshot-store's build runs these two suites
 * from core's test-jar with the property set to its own factory.
 */
final class StoreUnderTest {
  /** The system property naming the factory class. */
  static final String FACTORY_PROPERTY = "xlsnap.test.storeFactory";

  private StoreUnderTest() {}

  /**
   * Opens the store under test.
   *
   * @param directory the store's directory (the data root of an in-memory store), absolute
   * @return the store
   * @throws IllegalStateException if the property names a class that cannot be used as a factory
   */
  @SuppressWarnings("unchecked")
  static SnapshotStore open(Path directory) {
    String factory = System.getProperty(FACTORY_PROPERTY, "");
    if (factory.isEmpty()) {
      return new InMemorySnapshotStore(directory);
    }
    try {
      return ((Function<Path, SnapshotStore>) Class.forName(factory).getConstructor().newInstance()).apply(directory);
    } catch (ReflectiveOperationException | ClassCastException e) {
      throw new IllegalStateException(FACTORY_PROPERTY + "=" + factory + " is not a usable store factory", e);
    }
  }
}
