package io.github.xlsnap.core;

import java.util.List;

/**
 * A destroy, shutdown, save or migrate was refused because the domain has snapshots (the seed
 * design's last rule): those snapshots' memory images would no longer match any domain. Delete the
 * snapshots first, or repeat the operation with an explicit override.
 */
public class DomainHasSnapshotsException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #operation()}. */
  private final GuardedOperation operation;
  /** Returned by {@link #snapshots()}. */
  private final List<String> snapshots;

  /**
   * Creates the exception.
   *
   * @param domain the domain's name
   * @param operation the refused operation
   * @param snapshots the domain's snapshots, in topological order
   */
  public DomainHasSnapshotsException(String domain, GuardedOperation operation, List<String> snapshots) {
    super("refusing to " + operation.verb() + " domain " + domain + ": it has " + snapshots.size()
        + " snapshot(s) " + snapshots + "; delete them first or override the guard");
    this.operation = operation;
    this.snapshots = List.copyOf(snapshots);
  }

  /**
   * Creates the exception with a message of a subclass's own.
   *
   * @param operation the refused operation
   * @param snapshots the domain's snapshots, in topological order
   * @param message the whole message, naming the domain and why
   */
  protected DomainHasSnapshotsException(GuardedOperation operation, List<String> snapshots, String message) {
    super(message);
    this.operation = operation;
    this.snapshots = List.copyOf(snapshots);
  }

  /**
   * Returns the refused operation.
   *
   * @return the operation
   */
  public GuardedOperation operation() {
    return operation;
  }

  /**
   * Returns the snapshots that blocked it.
   *
   * @return the snapshot names, in topological order
   */
  public List<String> snapshots() {
    return snapshots;
  }
}
