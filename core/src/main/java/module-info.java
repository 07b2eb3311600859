/**
 * xlsnap core: the snapshot model ({@link io.github.xlsnap.core.Snapshot},
 * {@link io.github.xlsnap.core.SnapshotTree}), the {@link io.github.xlsnap.core.SnapshotManager}
 * that carries out the seed design's {@code xl snapshot-*} commands, the SPIs it runs on
 * ({@link io.github.xlsnap.core.spi.Hypervisor}, {@link io.github.xlsnap.core.spi.SnapshotStore}),
 * qcow2 disk operations over {@code qemu-img} and the simulated Xen host.
 */
module io.github.xlsnap.core {
  requires com.google.common;
  requires org.slf4j;
  requires transitive org.jspecify;

  exports io.github.xlsnap.core;
  exports io.github.xlsnap.core.spi;
  exports io.github.xlsnap.core.disk;
  exports io.github.xlsnap.core.sim;
  // the OS file locking both the simulated host and the JSON store use
  exports io.github.xlsnap.core.internal to io.github.xlsnap.store;
}
