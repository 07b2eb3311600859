package io.github.xlsnap.core.spi;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

/**
 * A domain's configuration in the backend's own form, opaque to core: what
 * {@link Hypervisor#restore} needs to bring the domain back after it was destroyed (for libxl, the
 * {@code libxl_domain_config} JSON).
 *
 * @param backend the name of the backend that produced it ({@link Hypervisor#backendName()})
 * @param content the configuration text
 */
public record DomainConfiguration(String backend, String content) {
  /**
   * Checks the components.
   *
   * @param backend the backend's name
   * @param content the configuration
   */
  public DomainConfiguration {
    requireNonNull(backend, "backend");
    requireNonNull(content, "content");
    checkArgument(!backend.isEmpty(), "backend is empty");
  }
}
