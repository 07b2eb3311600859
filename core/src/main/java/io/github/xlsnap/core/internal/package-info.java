/** Implementation details of the manager; not API: exported only to the JSON store (io.github.xlsnap.store), for {@link io.github.xlsnap.core.internal.FileLocks}. */
@NullMarked
package io.github.xlsnap.core.internal;

import org.jspecify.annotations.NullMarked;
