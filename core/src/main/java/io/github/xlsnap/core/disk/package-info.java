/**
 * Disk image operations: qcow2 internal snapshots, overlays, rebase and commit, over the real
 * {@code qemu-img} (Debian package {@code qemu-utils}).
 */
@NullMarked
package io.github.xlsnap.core.disk;

import org.jspecify.annotations.NullMarked;
