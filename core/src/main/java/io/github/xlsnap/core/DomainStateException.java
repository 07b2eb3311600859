package io.github.xlsnap.core;

/**
 * The domain is in a state that does not allow the operation: for example a snapshot of a domain
 * that is shutting down, dying or already suspended.
 */
public class DomainStateException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #state()}. */
  private final DomainState state;

  /**
   * Creates the exception.
   *
   * @param message what was attempted and why the state forbids it
   * @param state the domain's state at the time
   */
  public DomainStateException(String message, DomainState state) {
    super(message + " (state " + state + ")");
    this.state = state;
  }

  /**
   * Returns the domain's state at the time.
   *
   * @return the state
   */
  public DomainState state() {
    return state;
  }
}
