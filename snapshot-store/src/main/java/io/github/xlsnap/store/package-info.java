/** The durable JSON snapshot metadata store (in development). */
@NullMarked
package io.github.xlsnap.store;

import org.jspecify.annotations.NullMarked;
