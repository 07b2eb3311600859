/** Reads xl's configuration language: snapshot cfgfiles and domain xl.cfg files (in development). */
@NullMarked
package io.github.xlsnap.cfg;

import org.jspecify.annotations.NullMarked;
