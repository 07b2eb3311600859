/**
 * What the manager runs on: a {@link io.github.xlsnap.core.spi.Hypervisor} (primitives, no snapshot
 * semantics) and a {@link io.github.xlsnap.core.spi.SnapshotStore} (metadata). Implement these to
 * plug in another backend; the contract test suite in the test-jar checks a hypervisor.
 */
@NullMarked
package io.github.xlsnap.core.spi;

import org.jspecify.annotations.NullMarked;
