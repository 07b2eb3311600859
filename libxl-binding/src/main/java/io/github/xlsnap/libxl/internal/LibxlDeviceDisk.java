package io.github.xlsnap.libxl.internal;

import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/**
 * {@code libxl_device_disk} (4.17, x86_64: 144 bytes), every field, with the C names. An
 * {@code libxl_defbool} is a struct holding one {@code int}.
 */
public final class LibxlDeviceDisk extends Struct {
  /** {@code LIBXL_DISK_BACKEND_QDISK}: the disk is served by the domain's QEMU. */
  public static final int BACKEND_QDISK = 3;

  /** {@code libxl_domid backend_domid}. */
  public final Unsigned32 backend_domid = new Unsigned32();
  /** {@code char *backend_domname}. */
  public final Pointer backend_domname = new Pointer();
  /** {@code char *pdev_path}. */
  public final Pointer pdev_path = new Pointer();
  /** {@code char *vdev}. */
  public final Pointer vdev = new Pointer();
  /** {@code libxl_disk_backend backend}. */
  public final Signed32 backend = new Signed32();
  /** {@code libxl_disk_format format}. */
  public final Signed32 format = new Signed32();
  /** {@code char *script}. */
  public final Pointer script = new Pointer();
  /** {@code int removable}. */
  public final Signed32 removable = new Signed32();
  /** {@code int readwrite}. */
  public final Signed32 readwrite = new Signed32();
  /** {@code int is_cdrom}. */
  public final Signed32 is_cdrom = new Signed32();
  /** {@code bool direct_io_safe}. */
  public final Unsigned8 direct_io_safe = new Unsigned8();
  /** {@code libxl_defbool discard_enable}. */
  public final Signed32 discard_enable = new Signed32();
  /** {@code libxl_disk_specification specification}. */
  public final Signed32 specification = new Signed32();
  /** {@code libxl_disk_transport transport}. */
  public final Signed32 transport = new Signed32();
  /** {@code uint32_t irq}. */
  public final Unsigned32 irq = new Unsigned32();
  /** {@code uint64_t base}. */
  public final Unsigned64 base = new Unsigned64();
  /** {@code libxl_defbool colo_enable}. */
  public final Signed32 colo_enable = new Signed32();
  /** {@code libxl_defbool colo_restore_enable}. */
  public final Signed32 colo_restore_enable = new Signed32();
  /** {@code char *colo_host}. */
  public final Pointer colo_host = new Pointer();
  /** {@code int colo_port}. */
  public final Signed32 colo_port = new Signed32();
  /** {@code char *colo_export}. */
  public final Pointer colo_export = new Pointer();
  /** {@code char *active_disk}. */
  public final Pointer active_disk = new Pointer();
  /** {@code char *hidden_disk}. */
  public final Pointer hidden_disk = new Pointer();
  /** {@code libxl_defbool trusted}. */
  public final Signed32 trusted = new Signed32();

  /**
   * The C compiler's tail padding to the struct's 8-byte alignment, which JNR does not add by
   * itself: without it the stride of the arrays libxl returns would be 4 bytes short.
   */
  public final Padding tail_padding = new Padding(jnr.ffi.NativeType.UCHAR, 4);

  /**
   * Creates the layout; use {@link #useMemory} to view native memory through it.
   *
   * @param runtime the JNR runtime
   */
  public LibxlDeviceDisk(Runtime runtime) {
    super(runtime);
  }
}
