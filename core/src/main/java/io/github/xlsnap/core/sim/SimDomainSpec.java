package io.github.xlsnap.core.sim;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DomainSelector;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * A domain for {@link SimulatedHypervisor#createDomain}. Whether the name and UUID are free on the
 * host is checked when the domain is created. Immutable, so safe to share between threads.
 *
 * @param name the domain's name: not blank, no whitespace or control characters, not all digits and
 *     not a UUID (so that {@link DomainSelector#parse} reads it as a name), at most
 *     {@value #MAX_NAME_LENGTH} characters
 * @param uuid the domain's UUID, or empty to have a random one; never the nil UUID of Domain-0
 * @param memoryBytes the guest's memory, a positive multiple of {@value SimulatedHypervisor#PAGE_SIZE}
 *     bytes, at most {@value #MAX_MEMORY_BYTES}
 * @param vcpus the number of vcpus, at least 1
 * @param disks the disks, in configuration order, each target at most once; may be empty
 * @param paused create the domain paused rather than running
 */
public record SimDomainSpec(
    String name, Optional<UUID> uuid, long memoryBytes, int vcpus, List<SimDiskSpec> disks, boolean paused) {

  /** The longest domain name accepted. */
  public static final int MAX_NAME_LENGTH = 64;

  /**
   * The largest guest memory accepted, 1 GiB: the simulated guest's memory is a file on the host, and
   * tests need little.
   */
  public static final long MAX_MEMORY_BYTES = 1L << 30;

  /**
   * Checks the components and copies the list.
   *
   * @param name the domain's name
   * @param uuid the UUID, empty for a random one
   * @param memoryBytes the memory size in bytes
   * @param vcpus the number of vcpus
   * @param disks the disks
   * @param paused whether to create it paused
   * @throws IllegalArgumentException if a component is out of its documented range or two disks share
   *     a target
   */
  public SimDomainSpec {
    requireNonNull(name, "name");
    requireNonNull(uuid, "uuid");
    disks = List.copyOf(disks);
    checkName(name);
    uuid.ifPresent(u -> checkArgument(!u.equals(SimulatedHypervisor.DOM0_UUID),
        "domain %s: the nil UUID belongs to %s", name, SimulatedHypervisor.DOM0_NAME));
    checkArgument(memoryBytes > 0 && memoryBytes % SimulatedHypervisor.PAGE_SIZE == 0
        && memoryBytes <= MAX_MEMORY_BYTES, "domain %s: memory %s bytes is not a positive multiple of %s "
        + "up to %s", name, memoryBytes, SimulatedHypervisor.PAGE_SIZE, MAX_MEMORY_BYTES);
    checkArgument(vcpus >= 1, "domain %s: vcpus %s < 1", name, vcpus);
    Set<String> targets = new HashSet<>();
    for (SimDiskSpec disk : disks) {
      checkArgument(targets.add(disk.target()), "domain %s: disk target %s given twice", name, disk.target());
    }
  }

  /**
   * A running domain with a random UUID and one vcpu.
   *
   * @param name the domain's name
   * @param memoryBytes the memory size in bytes
   * @param disks the disks
   * @return the spec
   */
  public static SimDomainSpec of(String name, long memoryBytes, SimDiskSpec... disks) {
    return new SimDomainSpec(name, Optional.empty(), memoryBytes, 1, List.of(disks), false);
  }

  /**
   * Returns this spec with the domain created paused or running.
   *
   * @param paused whether to create it paused
   * @return the changed spec
   */
  public SimDomainSpec withPaused(boolean paused) {
    return new SimDomainSpec(name, uuid, memoryBytes, vcpus, disks, paused);
  }

  /**
   * Returns this spec with a given UUID.
   *
   * @param uuid the domain's UUID
   * @return the changed spec
   */
  public SimDomainSpec withUuid(UUID uuid) {
    return new SimDomainSpec(name, Optional.of(uuid), memoryBytes, vcpus, disks, paused);
  }

  static void checkName(String name) {
    checkArgument(!name.isBlank(), "domain name is blank");
    checkArgument(name.length() <= MAX_NAME_LENGTH, "domain name '%s' is longer than %s characters", name,
        MAX_NAME_LENGTH);
    checkArgument(name.codePoints().noneMatch(c -> Character.isWhitespace(c) || Character.isISOControl(c)),
        "domain name '%s' contains whitespace or control characters", name);
    checkArgument(DomainSelector.parse(name) instanceof DomainSelector.ByName,
        "domain name '%s' would be read as a domid or UUID", name);
  }
}
