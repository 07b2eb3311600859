package io.github.xlsnap.core;

/** The domain operations refused while a domain has snapshots, unless overridden. */
public enum GuardedOperation {
  /** {@code xl destroy}. */
  DESTROY("destroy"),
  /** {@code xl shutdown}. */
  SHUTDOWN("shut down"),
  /** {@code xl save}. */
  SAVE("save"),
  /**
   * {@code xl migrate}: allowed with snapshots when they follow the domain, a pool-wide store and shared
   * storage ({@link SnapshotManager#checkMigration}).
   */
  MIGRATE("migrate");

  private final String verb;

  GuardedOperation(String verb) {
    this.verb = verb;
  }

  /**
   * Returns the operation as a verb for messages.
   *
   * @return e.g. {@code shut down}
   */
  public String verb() {
    return verb;
  }
}
