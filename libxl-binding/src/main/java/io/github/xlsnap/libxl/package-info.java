/**
 * The libxl backend: {@link io.github.xlsnap.libxl.LibxlHypervisor}, a
 * {@link io.github.xlsnap.core.spi.Hypervisor} over libxenlight 4.17 through JNR-FFI, opened by the
 * provider {@link io.github.xlsnap.libxl.Libxl}; its errors ({@link io.github.xlsnap.libxl.LibxlException}
 * with the libxl code, {@link io.github.xlsnap.libxl.LibxlUnavailableException}); and xl's save-file
 * format ({@link io.github.xlsnap.libxl.XlSaveFile}). No JNR type appears here. Every type is
 * thread-safe or immutable.
 */
@NullMarked
package io.github.xlsnap.libxl;

import org.jspecify.annotations.NullMarked;
