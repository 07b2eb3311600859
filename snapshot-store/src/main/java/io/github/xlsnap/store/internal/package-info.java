/**
 * Internals of the store: the libxl-json codec, crash-safe file primitives and the seam their changes
 * go through ({@link io.github.xlsnap.store.internal.FileOps}, which tests replace to inject I/O
 * errors), the read cache, and the domain's two locks: the short {@code DomainLock} and the
 * operation's {@code DomainLease}. Not exported; no compatibility promise.
 */
@NullMarked
package io.github.xlsnap.store.internal;

import org.jspecify.annotations.NullMarked;
