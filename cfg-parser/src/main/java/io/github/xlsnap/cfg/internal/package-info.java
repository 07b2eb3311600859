/** The lexer, parser and disk-spec scanner behind {@code io.github.xlsnap.cfg}; not an API. */
@NullMarked
package io.github.xlsnap.cfg.internal;

import org.jspecify.annotations.NullMarked;
