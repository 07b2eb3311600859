/**
 * xlsnap libxl-binding: the {@link io.github.xlsnap.core.spi.Hypervisor} over libxenlight 4.17
 * through JNR-FFI. Exports only {@code io.github.xlsnap.libxl}; the raw binding stays internal.
 * JNR generates its implementations of the internal interfaces in an unnamed module, so on the
 * module path run with
 * {@code --add-exports io.github.xlsnap.libxl/io.github.xlsnap.libxl.internal=ALL-UNNAMED}.
 */
module io.github.xlsnap.libxl {
  requires transitive io.github.xlsnap.core;
  requires org.jnrproject.ffi;
  requires org.jnrproject.jffi;
  requires com.fasterxml.jackson.databind;
  requires com.google.common;
  requires org.slf4j;
  requires static org.jspecify;

  exports io.github.xlsnap.libxl;
}
