/** Implementation details of the manager; not exported, not API. */
@NullMarked
package io.github.xlsnap.core.internal;

import org.jspecify.annotations.NullMarked;
