package io.github.xlsnap.store.postgres;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.XlsnapException;
import java.util.UUID;

/**
 * A {@code save} or {@code saveIntent} made under a lease ({@link PostgresSnapshotStore#lockDomain})
 * was refused because the lease is no longer held: its database session ended (the connection broke,
 * or an administrator terminated it), and another holder may since have taken the domain, which
 * raised the domain's <em>fencing epoch</em>. Nothing was committed. The operation must be abandoned;
 * the domain's new holder, or the next operation on it, recovers what it left.
 */
public class LeaseLostException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #domain()}. */
  private final UUID domain;

  /**
   * Creates the exception.
   *
   * @param domain the domain
   * @param detail why the lease is known to be lost (the epochs, the session)
   */
  public LeaseLostException(UUID domain, String detail) {
    super("the lease on domain " + requireNonNull(domain, "domain") + " was lost: " + requireNonNull(detail, "detail")
        + "; nothing was committed");
    this.domain = domain;
  }

  /**
   * Returns the domain.
   *
   * @return its UUID
   */
  public UUID domain() {
    return domain;
  }
}
