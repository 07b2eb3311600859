package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Another operation held a domain for longer than the caller was prepared to wait (the manager's
 * lock timeout). Nothing was done; the call may be retried.
 */
public class DomainBusyException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #domain()}. */
  private final String domain;
  /** Returned by {@link #waited()}. */
  private final Duration waited;

  /**
   * Creates the exception.
   *
   * @param domain the domain, as named to the caller
   * @param waited how long the caller waited
   * @param holder who holds the domain, as far as known (e.g. {@code "another process"}), or empty
   */
  public DomainBusyException(String domain, Duration waited, String holder) {
    super("domain " + requireNonNull(domain, "domain") + " is busy: another operation held it for "
        + requireNonNull(waited, "waited").toMillis() + " ms" + (requireNonNull(holder, "holder").isEmpty() ? ""
        : " (" + holder + ")") + "; nothing was done, retry later");
    this.domain = domain;
    this.waited = waited;
  }

  /**
   * Returns the domain.
   *
   * @return the domain, as named to the caller
   */
  public String domain() {
    return domain;
  }

  /**
   * Returns how long the caller waited.
   *
   * @return the wait
   */
  public Duration waited() {
    return waited;
  }
}
