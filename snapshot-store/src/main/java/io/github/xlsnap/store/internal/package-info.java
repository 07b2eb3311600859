/**
 * Internals of the store: the libxl-json codec, crash-safe file primitives and the domain lock. Not
 * exported; no compatibility promise.
 */
@NullMarked
package io.github.xlsnap.store.internal;

import org.jspecify.annotations.NullMarked;
