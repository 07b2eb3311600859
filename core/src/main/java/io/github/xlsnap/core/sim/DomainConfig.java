package io.github.xlsnap.core.sim;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a simulated domain is, apart from its running instance: the content of its
 * {@link io.github.xlsnap.core.spi.DomainConfiguration} and the lasting part of its state file.
 *
 * @param name the domain's name
 * @param uuid the domain's UUID
 * @param memoryBytes its memory size in bytes, a multiple of the page size
 * @param vcpus its vcpus
 * @param disks its disks, in configuration order
 */
record DomainConfig(String name, UUID uuid, long memoryBytes, int vcpus, List<SimDisk> disks) {
  DomainConfig {
    requireNonNull(name, "name");
    requireNonNull(uuid, "uuid");
    disks = List.copyOf(disks);
  }

  int pageCount() {
    return Math.toIntExact(memoryBytes / SimulatedHypervisor.PAGE_SIZE);
  }

  DomainConfig withDisks(List<SimDisk> newDisks) {
    return new DomainConfig(name, uuid, memoryBytes, vcpus, newDisks);
  }

  /** Adds this configuration's entries to a map for {@link PropertiesText#format}. */
  void putEntries(Map<String, String> entries) {
    entries.put("name", name);
    entries.put("uuid", uuid.toString());
    entries.put("memory.bytes", Long.toString(memoryBytes));
    entries.put("vcpus", Integer.toString(vcpus));
    entries.put("disks", Integer.toString(disks.size()));
    for (int i = 0; i < disks.size(); i++) {
      SimDisk disk = disks.get(i);
      String prefix = "disk." + i + ".";
      entries.put(prefix + "target", disk.target());
      entries.put(prefix + "format", disk.format().xlName());
      entries.put(prefix + "image", disk.image().toString());
      entries.put(prefix + "size", Long.toString(disk.virtualSize()));
    }
  }

  /**
   * Reads the entries {@link #putEntries} wrote.
   *
   * @throws IllegalArgumentException naming the first key that is missing or wrong
   */
  static DomainConfig read(PropertiesText text) {
    String name = text.string("name");
    try {
      SimDomainSpec.checkName(name);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("key 'name': " + e.getMessage(), e);
    }
    long memoryBytes = text.longValue("memory.bytes");
    if (memoryBytes <= 0 || memoryBytes % SimulatedHypervisor.PAGE_SIZE != 0
        || memoryBytes > SimDomainSpec.MAX_MEMORY_BYTES) {
      throw new IllegalArgumentException("key 'memory.bytes': " + memoryBytes + " is not a positive multiple of "
          + SimulatedHypervisor.PAGE_SIZE + " up to " + SimDomainSpec.MAX_MEMORY_BYTES);
    }
    int vcpus = text.intValue("vcpus");
    if (vcpus < 1) {
      throw new IllegalArgumentException("key 'vcpus': " + vcpus + " < 1");
    }
    int diskCount = text.intValue("disks");
    if (diskCount < 0) {
      throw new IllegalArgumentException("key 'disks': " + diskCount + " < 0");
    }
    SimDisk[] disks = new SimDisk[diskCount];
    for (int i = 0; i < diskCount; i++) {
      String prefix = "disk." + i + ".";
      String target = text.string(prefix + "target");
      if (!SimDiskSpec.isValidTarget(target)) {
        throw new IllegalArgumentException("key '" + prefix + "target': '" + target + "' is not a disk target");
      }
      disks[i] = new SimDisk(target, text.diskFormat(prefix + "format"), text.absolutePath(prefix + "image"),
          text.longValue(prefix + "size"));
    }
    return new DomainConfig(name, text.uuid("uuid"), memoryBytes, vcpus, List.of(disks));
  }
}
