package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.UUID;

/**
 * Identifies one running instance of a Xen domain. The UUID is the domain's lasting identity (it keys
 * the snapshot metadata); the domid names this instance and changes when the domain is restored, as
 * after a revert.
 *
 * @param uuid the domain's UUID
 * @param name the domain's name
 * @param domid the Xen domain id of this instance, 0 to 32751
 */
public record DomainRef(UUID uuid, String name, int domid) {
  /** The largest domid Xen hands out to a domain ({@code DOMID_FIRST_RESERVED - 1}). */
  public static final int MAX_DOMID = 0x7FEF;

  /**
   * Checks the components.
   *
   * @param uuid the domain's UUID
   * @param name the domain's name
   * @param domid the Xen domain id of this instance
   */
  public DomainRef {
    requireNonNull(uuid, "uuid");
    requireNonNull(name, "name");
    checkArgument(!name.isEmpty(), "domain name is empty");
    checkArgument(domid >= 0 && domid <= MAX_DOMID, "domid %s out of range 0..%s", domid, MAX_DOMID);
  }

  @Override
  public String toString() {
    return name + " (domid " + domid + ", " + uuid + ")";
  }
}
