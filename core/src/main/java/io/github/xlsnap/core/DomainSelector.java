package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Names a domain the way {@code xl} accepts it: by name, UUID or domid. {@link #parse} reads the
 * command-line form.
 */
public sealed interface DomainSelector {

  /**
   * Selects a domain by its name.
   *
   * @param name the domain's name
   */
  record ByName(String name) implements DomainSelector {
    /**
     * Checks the name.
     *
     * @param name the domain's name, not empty
     */
    public ByName {
      requireNonNull(name, "name");
      checkArgument(!name.isEmpty(), "domain name is empty");
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /**
   * Selects a domain by its UUID.
   *
   * @param uuid the domain's UUID
   */
  record ByUuid(UUID uuid) implements DomainSelector {
    /**
     * Checks the UUID.
     *
     * @param uuid the domain's UUID
     */
    public ByUuid {
      requireNonNull(uuid, "uuid");
    }

    @Override
    public String toString() {
      return uuid.toString();
    }
  }

  /**
   * Selects a domain instance by its domid.
   *
   * @param domid the domain id
   */
  record ByDomid(int domid) implements DomainSelector {
    /**
     * Checks the domid.
     *
     * @param domid the domain id, 0 to {@link DomainRef#MAX_DOMID}
     */
    public ByDomid {
      checkArgument(domid >= 0 && domid <= DomainRef.MAX_DOMID, "domid %s out of range", domid);
    }

    @Override
    public String toString() {
      return Integer.toString(domid);
    }
  }

  /**
   * Selects a domain by name.
   *
   * @param name the domain's name
   * @return the selector
   */
  static DomainSelector byName(String name) {
    return new ByName(name);
  }

  /**
   * Selects a domain by UUID.
   *
   * @param uuid the domain's UUID
   * @return the selector
   */
  static DomainSelector byUuid(UUID uuid) {
    return new ByUuid(uuid);
  }

  /**
   * Selects a domain by domid.
   *
   * @param domid the domain id
   * @return the selector
   */
  static DomainSelector byDomid(int domid) {
    return new ByDomid(domid);
  }

  /**
   * Reads a domain as {@code xl} does: all digits is a domid, a canonical UUID is a UUID, anything
   * else a name.
   *
   * @param text the domain as typed
   * @return the selector
   * @throws IllegalArgumentException if the text is empty or an out-of-range domid
   */
  static DomainSelector parse(String text) {
    requireNonNull(text, "text");
    checkArgument(!text.isEmpty(), "domain is empty");
    if (Patterns.DOMID.matcher(text).matches()) {
      long id = text.length() > 6 ? Long.MAX_VALUE : Long.parseLong(text);
      checkArgument(id <= DomainRef.MAX_DOMID, "domid %s out of range 0..%s", text, DomainRef.MAX_DOMID);
      return new ByDomid((int) id);
    }
    if (Patterns.UUID.matcher(text).matches()) {
      return new ByUuid(UUID.fromString(text));
    }
    return new ByName(text);
  }
}

/** Patterns of {@link DomainSelector#parse}. */
final class Patterns {
  static final Pattern DOMID = Pattern.compile("[0-9]+");
  static final Pattern UUID =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

  private Patterns() {}
}
