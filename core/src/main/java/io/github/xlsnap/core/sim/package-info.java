/**
 * The simulated Xen host: a real {@link io.github.xlsnap.core.spi.Hypervisor} whose domains have a
 * memory of bytes and real qcow2 disks, for embedders' tests and for demos, like libvirt's
 * {@code test:///default}.
 */
@NullMarked
package io.github.xlsnap.core.sim;

import org.jspecify.annotations.NullMarked;
