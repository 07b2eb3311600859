package io.github.xlsnap.core.sim;

/**
 * A point where {@link SimulatedHypervisor#injectFault} makes the simulated host fail, to test how
 * callers handle a failing hypervisor. One constant per {@link io.github.xlsnap.core.spi.Hypervisor}
 * primitive: an armed fault makes the primitive throw before it does anything. Plus
 * {@link #SNAPSHOT_DISKS_AFTER_FIRST_DISK}, which fails half-way to exercise the undo.
 */
public enum SimFault {
  /** {@link SimulatedHypervisor#listDomains()}. */
  LIST_DOMAINS,
  /** {@link SimulatedHypervisor#find}. */
  FIND,
  /** {@link SimulatedHypervisor#info}. */
  INFO,
  /** {@link SimulatedHypervisor#disks}. */
  DISKS,
  /** {@link SimulatedHypervisor#pause}. */
  PAUSE,
  /** {@link SimulatedHypervisor#unpause}. */
  UNPAUSE,
  /** {@link SimulatedHypervisor#checkpoint}. */
  CHECKPOINT,
  /** {@link SimulatedHypervisor#resume}. */
  RESUME,
  /** {@link SimulatedHypervisor#snapshotDisks}, before any disk is touched. */
  SNAPSHOT_DISKS,
  /**
   * {@link SimulatedHypervisor#snapshotDisks}, after the first request was carried out: the host undoes
   * it, then throws.
   */
  SNAPSHOT_DISKS_AFTER_FIRST_DISK,
  /** {@link SimulatedHypervisor#discardDiskSnapshots}. */
  DISCARD_DISK_SNAPSHOTS,
  /** {@link SimulatedHypervisor#deleteInternalDiskSnapshot}. */
  DELETE_INTERNAL_DISK_SNAPSHOT,
  /** {@link SimulatedHypervisor#configuration}. */
  CONFIGURATION,
  /** {@link SimulatedHypervisor#restore}. */
  RESTORE,
  /** {@link SimulatedHypervisor#destroy}. */
  DESTROY,
  /** {@link SimulatedHypervisor#shutdown}. */
  SHUTDOWN
}
