package io.github.xlsnap.libxl.internal;

import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/** {@code libxl_domain_restore_params} (4.17, x86_64: 24 bytes), with the C names. */
public final class LibxlDomainRestoreParams extends Struct {
  /** {@code int checkpointed_stream} ({@code LIBXL_CHECKPOINTED_STREAM_NONE} = 0). */
  public final Signed32 checkpointed_stream = new Signed32();
  /** {@code uint32_t stream_version}: 2 for xl's STREAMv2 save files. */
  public final Unsigned32 stream_version = new Unsigned32();
  /** {@code char *colo_proxy_script}. */
  public final Pointer colo_proxy_script = new Pointer();
  /** {@code libxl_defbool userspace_colo_proxy}. */
  public final Signed32 userspace_colo_proxy = new Signed32();

  /**
   * The C compiler's tail padding to the struct's 8-byte alignment, which JNR does not add by
   * itself: without it the stride of the arrays libxl returns would be 4 bytes short.
   */
  public final Padding tail_padding = new Padding(jnr.ffi.NativeType.UCHAR, 4);

  /**
   * Creates the layout.
   *
   * @param runtime the JNR runtime
   */
  public LibxlDomainRestoreParams(Runtime runtime) {
    super(runtime);
  }
}
