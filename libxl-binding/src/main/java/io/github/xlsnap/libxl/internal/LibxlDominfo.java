package io.github.xlsnap.libxl.internal;

import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/**
 * {@code libxl_dominfo} (4.17, x86_64: 120 bytes). Fields keep the C names; the layout test checks
 * every offset against the header.
 */
public final class LibxlDominfo extends Struct {
  /** {@code libxl_uuid uuid} (16 bytes). */
  public final Unsigned8[] uuid = array(new Unsigned8[16]);
  /** {@code libxl_domid domid}. */
  public final Unsigned32 domid = new Unsigned32();
  /** {@code uint32_t ssidref}. */
  public final Unsigned32 ssidref = new Unsigned32();
  /** {@code char *ssid_label}. */
  public final Pointer ssid_label = new Pointer();
  /** {@code bool running}. */
  public final Unsigned8 running = new Unsigned8();
  /** {@code bool blocked}. */
  public final Unsigned8 blocked = new Unsigned8();
  /** {@code bool paused}. */
  public final Unsigned8 paused = new Unsigned8();
  /** {@code bool shutdown}. */
  public final Unsigned8 shutdown = new Unsigned8();
  /** {@code bool dying}. */
  public final Unsigned8 dying = new Unsigned8();
  /** {@code bool never_stop}. */
  public final Unsigned8 never_stop = new Unsigned8();
  /** {@code libxl_shutdown_reason shutdown_reason}. */
  public final Signed32 shutdown_reason = new Signed32();
  /** {@code uint64_t outstanding_memkb}. */
  public final Unsigned64 outstanding_memkb = new Unsigned64();
  /** {@code uint64_t current_memkb}. */
  public final Unsigned64 current_memkb = new Unsigned64();
  /** {@code uint64_t shared_memkb}. */
  public final Unsigned64 shared_memkb = new Unsigned64();
  /** {@code uint64_t paged_memkb}. */
  public final Unsigned64 paged_memkb = new Unsigned64();
  /** {@code uint64_t max_memkb}. */
  public final Unsigned64 max_memkb = new Unsigned64();
  /** {@code uint64_t cpu_time} (ns). */
  public final Unsigned64 cpu_time = new Unsigned64();
  /** {@code uint32_t vcpu_max_id}. */
  public final Unsigned32 vcpu_max_id = new Unsigned32();
  /** {@code uint32_t vcpu_online}. */
  public final Unsigned32 vcpu_online = new Unsigned32();
  /** {@code uint32_t cpupool}. */
  public final Unsigned32 cpupool = new Unsigned32();
  /** {@code uint8_t gpaddr_bits}. */
  public final Unsigned8 gpaddr_bits = new Unsigned8();
  /** {@code libxl_domain_type domain_type}. */
  public final Signed32 domain_type = new Signed32();

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
  public LibxlDominfo(Runtime runtime) {
    super(runtime);
  }
}
