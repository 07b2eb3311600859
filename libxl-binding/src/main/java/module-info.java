/**
 * xlsnap libxl-binding: the Hypervisor implementation over libxenlight 4.17 through JNR-FFI. In development: this module is an empty placeholder until its issue lands.
 */
module io.github.xlsnap.libxl {
  requires io.github.xlsnap.core;
}
