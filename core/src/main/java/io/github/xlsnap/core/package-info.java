/**
 * The snapshot model and the {@link io.github.xlsnap.core.SnapshotManager}: create, delete, revert
 * and list snapshots of Xen domains, with the guard on destroy, shutdown, save and migrate. Values are
 * immutable; the manager is thread-safe. Every exception is an {@link io.github.xlsnap.core.XlsnapException}.
 */
@NullMarked
package io.github.xlsnap.core;

import org.jspecify.annotations.NullMarked;
