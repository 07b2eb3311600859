package io.github.xlsnap.core.sim;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.ShutdownReason;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The persisted state of one running instance of a simulated domain: its configuration, its domid
 * and its state flags. Paused and suspended are independent, as in Xen.
 *
 * @param config what the domain is
 * @param domid this instance's domid
 * @param paused the domain is paused
 * @param suspended the domain is suspended by a checkpoint (shut down with reason suspend)
 */
record DomainRecord(DomainConfig config, int domid, boolean paused, boolean suspended) {
  DomainRecord {
    requireNonNull(config, "config");
  }

  DomainRef ref() {
    return new DomainRef(config.uuid(), config.name(), domid);
  }

  /** Whether the guest runs: neither paused nor suspended. */
  boolean isRunning() {
    return !paused && !suspended;
  }

  DomainState state() {
    return new DomainState(isRunning(), false, paused, false,
        suspended ? Optional.of(ShutdownReason.SUSPEND) : Optional.empty());
  }

  /** Reports the domain; a simulated guest uses no cpu time. */
  DomainInfo info() {
    return new DomainInfo(ref(), state(), config.memoryBytes() / 1024, config.vcpus(), Duration.ZERO);
  }

  DomainRecord withPaused(boolean newPaused) {
    return new DomainRecord(config, domid, newPaused, suspended);
  }

  DomainRecord withSuspended(boolean newSuspended) {
    return new DomainRecord(config, domid, paused, newSuspended);
  }

  DomainRecord withDisks(List<SimDisk> disks) {
    return new DomainRecord(config.withDisks(disks), domid, paused, suspended);
  }

  /**
   * Returns the disk with a target.
   *
   * @throws IllegalArgumentException if the domain has no such disk
   */
  SimDisk disk(String target) {
    return config.disks().stream().filter(d -> d.target().equals(target)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("domain " + ref() + " has no disk " + target));
  }

  void putEntries(Map<String, String> entries) {
    config.putEntries(entries);
    entries.put("domid", Integer.toString(domid));
    entries.put("paused", Boolean.toString(paused));
    entries.put("suspended", Boolean.toString(suspended));
  }

  /**
   * Reads the entries {@link #putEntries} wrote.
   *
   * @throws IllegalArgumentException naming the first key that is missing or wrong
   */
  static DomainRecord read(PropertiesText text) {
    int domid = text.intValue("domid");
    if (domid < 1 || domid > DomainRef.MAX_DOMID) {
      throw new IllegalArgumentException("key 'domid': " + domid + " is out of range 1.." + DomainRef.MAX_DOMID);
    }
    return new DomainRecord(DomainConfig.read(text), domid, text.booleanValue("paused"),
        text.booleanValue("suspended"));
  }
}
