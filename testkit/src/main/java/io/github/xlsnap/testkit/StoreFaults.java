package io.github.xlsnap.testkit;

/**
 * Makes a store's own input/output fail on purpose: the hook through which
 * {@link SnapshotStoreContract} checks what a failed call means (see
 * {@link io.github.xlsnap.core.spi.SnapshotStore}). A store's contract test offers it by overriding
 * {@link SnapshotStoreContract#faults}; it acts on one store instance.
 *
 * <p>An <em>I/O step</em> is whatever the store counts as one: a write, an fsync, a rename, a
 * deletion. The injected failure must reach the store as the file system would report it (an
 * {@link java.io.IOException} where the store does its I/O), so that the store handles it as it would
 * a real one. Used by one test thread at a time.
 */
public interface StoreFaults {

  /**
   * Arms one failure: the {@code nth} I/O step from now (1 = the next) fails; the steps before it and
   * after it succeed. Clears what {@link #injected()} tells.
   *
   * @param nth which step fails, 1 or more
   */
  void failNextIo(int nth);

  /**
   * Tells whether the armed failure was injected since {@link #failNextIo}: false once a call ran with
   * fewer steps than armed, which tells the contract it has tried every step.
   *
   * @return true if a step failed on purpose
   */
  boolean injected();

  /** Disarms: every step succeeds from now on. */
  void clear();
}
