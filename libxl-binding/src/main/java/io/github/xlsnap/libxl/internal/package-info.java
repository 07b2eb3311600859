/**
 * Not API: the raw JNR-FFI binding of libxenlight, libxentoollog and libc, with the C names and
 * struct layouts verbatim, and the loader. Only {@code io.github.xlsnap.libxl} uses it; the module
 * does not export it.
 */
@NullMarked
package io.github.xlsnap.libxl.internal;

import org.jspecify.annotations.NullMarked;
