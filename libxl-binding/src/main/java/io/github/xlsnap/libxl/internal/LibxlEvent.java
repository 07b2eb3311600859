package io.github.xlsnap.libxl.internal;

import jnr.ffi.NativeType;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/**
 * {@code libxl_event} (4.17, x86_64: 208 bytes): the header fields and
 * {@code u.operation_complete.rc} (written {@code u_operation_complete_rc}), the only union member
 * xlsnap reads. libxl allocates events; they are read here and released with
 * {@link Libxenlight#libxl_event_free}.
 */
public final class LibxlEvent extends Struct {
  /** {@code libxl_ev_link link}: libxl's queue pointers ({@code tqe_next}, {@code tqe_prev}). */
  public final Padding link = new Padding(NativeType.ADDRESS, 2);
  /** {@code libxl_domid domid}. */
  public final Unsigned32 domid = new Unsigned32();
  /** {@code libxl_uuid domuuid} (16 bytes). */
  public final Unsigned8[] domuuid = array(new Unsigned8[16]);
  /** {@code uint64_t for_user}: the {@code for_event} of the operation's {@code libxl_asyncop_how}. */
  public final Unsigned64 for_user = new Unsigned64();
  /** {@code libxl_event_type type}. */
  public final Signed32 type = new Signed32();
  /** The C compiler's padding before the union {@code u}, 8-byte aligned (its members hold pointers). */
  public final Padding u_alignment_padding = new Padding(NativeType.UCHAR, 4);
  /** {@code int u.operation_complete.rc}: the operation's result, for {@code LIBXL_EVENT_TYPE_OPERATION_COMPLETE}. */
  public final Signed32 u_operation_complete_rc = new Signed32();

  /**
   * The rest of the union (its largest member is {@code disk_eject}, with a
   * {@code libxl_device_disk}), so that the size is the C size.
   */
  public final Padding tail_padding = new Padding(NativeType.UCHAR, 208 - 60);

  /**
   * Creates the layout.
   *
   * @param runtime the JNR runtime
   */
  public LibxlEvent(Runtime runtime) {
    super(runtime);
  }
}
