/** The Hypervisor implementation over libxenlight 4.17 through JNR-FFI (in development). */
@NullMarked
package io.github.xlsnap.libxl;

import org.jspecify.annotations.NullMarked;
