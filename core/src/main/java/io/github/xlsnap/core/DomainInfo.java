package io.github.xlsnap.core;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * What a hypervisor reports about one domain instance, as {@code xl list} shows it.
 *
 * @param ref the domain
 * @param state its state
 * @param memoryKib its current memory in KiB
 * @param vcpus the number of online vcpus
 * @param cpuTime the cpu time it has used
 */
public record DomainInfo(DomainRef ref, DomainState state, long memoryKib, int vcpus, Duration cpuTime) {
  /**
   * Checks the components.
   *
   * @param ref the domain
   * @param state its state
   * @param memoryKib its current memory in KiB, not negative
   * @param vcpus online vcpus, not negative
   * @param cpuTime cpu time used
   */
  public DomainInfo {
    requireNonNull(ref, "ref");
    requireNonNull(state, "state");
    requireNonNull(cpuTime, "cpuTime");
    checkArgument(memoryKib >= 0, "memoryKib < 0");
    checkArgument(vcpus >= 0, "vcpus < 0");
  }
}
