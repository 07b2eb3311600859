/**
 * Not API: the raw JNR-FFI binding of libxenlight, libxentoollog and libc, with the C names and
 * struct layouts verbatim, and the loader. Only {@code io.github.xlsnap.libxl} uses it. The module
 * exports it for one reason, JNR-FFI's generated classes implement its interfaces from an unnamed
 * module (see the module's documentation); it is not API and changes without notice.
 */
@NullMarked
package io.github.xlsnap.libxl.internal;

import org.jspecify.annotations.NullMarked;
