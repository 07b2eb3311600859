/**
 * xlsnap libxl-binding: the {@link io.github.xlsnap.core.spi.Hypervisor} over libxenlight 4.17
 * through JNR-FFI. Its API is {@code io.github.xlsnap.libxl}.
 *
 * <p>It works on the module path with no JVM flags. JNR-FFI (an automatic module) generates the
 * implementations of the binding's interfaces at run time, with ASM, in a class loader of its own
 * whose classes are in an unnamed module: so the module requires the ASM and JNR assembler modules
 * JNR loads by reflection (nothing else would put them in the module graph), and exports
 * {@code io.github.xlsnap.libxl.internal}, the raw binding, which those classes implement. That
 * package is not API (no javadoc is published for it, and it changes without notice): a qualified
 * export cannot name an unnamed module, and JNR makes a new loader for each library.
 */
module io.github.xlsnap.libxl {
  requires transitive io.github.xlsnap.core;
  requires org.jnrproject.ffi;
  requires org.jnrproject.jffi;
  // loaded by JNR-FFI at run time: required here so that they are resolved on the module path
  requires org.objectweb.asm;
  requires org.objectweb.asm.commons;
  requires org.objectweb.asm.tree;
  requires org.objectweb.asm.tree.analysis;
  requires org.objectweb.asm.util;
  requires jnr.a64asm;
  requires jnr.x86asm;
  requires com.fasterxml.jackson.databind;
  requires com.google.common;
  requires org.slf4j;
  requires static org.jspecify;

  exports io.github.xlsnap.libxl;
  // for JNR-FFI's generated classes only, see above; not API
  exports io.github.xlsnap.libxl.internal;
}
