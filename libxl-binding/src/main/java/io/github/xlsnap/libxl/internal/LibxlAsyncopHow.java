package io.github.xlsnap.libxl.internal;

import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/**
 * {@code libxl_asyncop_how} (4.17, x86_64: 16 bytes), with the C names ({@code u.for_event} written
 * {@code u_for_event}). With {@code callback} NULL, an operation started with it reports its end as
 * a {@code LIBXL_EVENT_TYPE_OPERATION_COMPLETE} event whose {@code for_user} is {@code u.for_event};
 * {@code libxl_ao_abort} finds the operation by these same two values. libxl copies the struct, so
 * it need not outlive the initiating call.
 */
public final class LibxlAsyncopHow extends Struct {
  /** {@code void (*callback)(libxl_ctx *ctx, int rc, void *for_callback)}: NULL here. */
  public final Pointer callback = new Pointer();
  /** {@code libxl_ev_user u.for_event} (a {@code uint64_t}; the union's other member is {@code void *for_callback}). */
  public final Unsigned64 u_for_event = new Unsigned64();

  /**
   * Creates the layout.
   *
   * @param runtime the JNR runtime
   */
  public LibxlAsyncopHow(Runtime runtime) {
    super(runtime);
  }
}
