package io.github.xlsnap.core;

/** No domain matches the given name, UUID or domid on the hypervisor. */
public class DomainNotFoundException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #domain()}. */
  private final String domain;

  /**
   * Creates the exception.
   *
   * @param domain the name, UUID or domid that matched no domain, as given
   */
  public DomainNotFoundException(String domain) {
    super("domain " + domain + " not found");
    this.domain = domain;
  }

  /**
   * Creates the exception with a message saying more than that the domain was not found.
   *
   * @param domain the name, UUID or domid that matched no domain, as given
   * @param message the message
   */
  public DomainNotFoundException(String domain, String message) {
    super(message);
    this.domain = domain;
  }

  /**
   * Returns the domain as the caller named it.
   *
   * @return the name, UUID or domid that matched no domain
   */
  public String domain() {
    return domain;
  }
}
