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
 * The persisted state of one instance of a simulated domain: its configuration, its domid and its
 * state flags. Paused and suspended are independent, as in Xen. A domain whose guest shut itself
 * down or crashed is kept, as with {@code on_poweroff="preserve"} or {@code on_crash="preserve"},
 * until it is destroyed.
 *
 * @param config what the domain is
 * @param domid this instance's domid
 * @param paused the domain is paused
 * @param suspended the domain is suspended by a checkpoint (shut down with reason suspend)
 * @param preserved why the guest shut down, if it did and the domain is kept ({@link
 *     ShutdownReason#POWEROFF} or {@link ShutdownReason#CRASH}); empty while the guest is alive
 */
record DomainRecord(
    DomainConfig config, int domid, boolean paused, boolean suspended, Optional<ShutdownReason> preserved) {
  DomainRecord {
    requireNonNull(config, "config");
    requireNonNull(preserved, "preserved");
    if (suspended && preserved.isPresent()) {
      throw new IllegalArgumentException("a domain cannot be both suspended and shut down (" + preserved.get() + ")");
    }
  }

  /** A domain whose guest is alive: running, paused or suspended. */
  DomainRecord(DomainConfig config, int domid, boolean paused, boolean suspended) {
    this(config, domid, paused, suspended, Optional.empty());
  }

  DomainRef ref() {
    return new DomainRef(config.uuid(), config.name(), domid);
  }

  /** Whether the guest runs: neither paused, suspended nor shut down. */
  boolean isRunning() {
    return !paused && !suspended && preserved.isEmpty();
  }

  DomainState state() {
    return new DomainState(isRunning(), false, paused, false,
        suspended ? Optional.of(ShutdownReason.SUSPEND) : preserved);
  }

  /** Reports the domain; a simulated guest uses no cpu time. */
  DomainInfo info() {
    return new DomainInfo(ref(), state(), config.memoryBytes() / 1024, config.vcpus(), Duration.ZERO);
  }

  DomainRecord withPaused(boolean newPaused) {
    return new DomainRecord(config, domid, newPaused, suspended, preserved);
  }

  DomainRecord withSuspended(boolean newSuspended) {
    return new DomainRecord(config, domid, paused, newSuspended, preserved);
  }

  /** The domain after its guest shut down for a reason, kept for inspection. */
  DomainRecord withPreserved(ShutdownReason reason) {
    return new DomainRecord(config, domid, paused, suspended, Optional.of(reason));
  }

  DomainRecord withDisks(List<SimDisk> disks) {
    return new DomainRecord(config.withDisks(disks), domid, paused, suspended, preserved);
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
    preserved.ifPresent(r -> entries.put("shutdown", r.name()));
  }

  /**
   * Reads the entries {@link #putEntries} wrote. The key {@code shutdown} (a {@link ShutdownReason}
   * name) is optional: without it, as in files written before it existed, the guest is alive.
   *
   * @throws IllegalArgumentException naming the first key that is missing or wrong
   */
  static DomainRecord read(PropertiesText text) {
    int domid = text.intValue("domid");
    if (domid < 1 || domid > DomainRef.MAX_DOMID) {
      throw new IllegalArgumentException("key 'domid': " + domid + " is out of range 1.." + DomainRef.MAX_DOMID);
    }
    Optional<ShutdownReason> preserved = Optional.empty();
    if (text.has("shutdown")) {
      String reason = text.string("shutdown");
      try {
        preserved = Optional.of(ShutdownReason.valueOf(reason));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("key 'shutdown': '" + reason + "' is not a shutdown reason", e);
      }
      if (preserved.get() == ShutdownReason.SUSPEND) {
        throw new IllegalArgumentException("key 'shutdown': a suspended domain is marked by key 'suspended'");
      }
    }
    return new DomainRecord(DomainConfig.read(text), domid, text.booleanValue("paused"),
        text.booleanValue("suspended"), preserved);
  }
}
