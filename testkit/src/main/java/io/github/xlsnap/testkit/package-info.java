/**
 * The contract suites: extend {@link io.github.xlsnap.testkit.HypervisorContract} or
 * {@link io.github.xlsnap.testkit.SnapshotStoreContract} in a backend's or store's tests and implement
 * the factory method; the optional hooks ({@link io.github.xlsnap.testkit.StoreFaults},
 * {@link io.github.xlsnap.testkit.ChildProcessLease}) unlock the tests that need them, and without them
 * those tests are skipped with the reason. A test fails if the behaviour its name states breaks.
 */
@NullMarked
package io.github.xlsnap.testkit;

import org.jspecify.annotations.NullMarked;
