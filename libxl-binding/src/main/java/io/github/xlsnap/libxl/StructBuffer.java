package io.github.xlsnap.libxl;

import io.github.xlsnap.libxl.internal.Libc;
import io.github.xlsnap.libxl.internal.LibxlVersion;
import jnr.ffi.Pointer;

/**
 * Native memory for a libxl struct that libxl initializes or fills ({@code libxl_domain_config},
 * kept opaque, {@code libxl_dominfo}, {@code libxl_domain_restore_params}): the struct's size for the
 * loaded {@link LibxlVersion}, zeroed, followed by a guard zone of {@value LibxlVersion#GUARD_BYTES}
 * bytes filled with a known pattern. A libxenlight whose struct is larger than the binding knows
 * (a library patched or built with another layout under the same soname) writes into the guard zone
 * instead of the heap, and {@link #checkGuard} finds that right after the call, which the binding
 * makes right after each {@code _init} and each call that fills the struct: the error names the
 * struct and its known size, and nothing is overrun. Not thread-safe; freed with {@link #free}.
 */
final class StructBuffer {
  /** The byte the guard zone is filled with. */
  static final byte GUARD_PATTERN = (byte) 0xA5;

  private final Libc libc;
  private final Pointer pointer;
  private final String type;
  private final int size;

  private StructBuffer(Libc libc, Pointer pointer, String type, int size) {
    this.libc = libc;
    this.pointer = pointer;
    this.type = type;
    this.size = size;
  }

  /**
   * Allocates a zeroed struct and its guard zone.
   *
   * @param libc the C library ({@code calloc}, {@code free})
   * @param type the C type, for messages
   * @param size the struct's size for the loaded version, positive
   * @return the buffer
   * @throws OutOfMemoryError if {@code calloc} fails
   */
  static StructBuffer allocate(Libc libc, String type, int size) {
    if (size <= 0) {
      throw new IllegalArgumentException(type + ": size " + size);
    }
    Pointer p = libc.calloc(1, (long) size + LibxlVersion.GUARD_BYTES);
    if (p == null) {
      throw new OutOfMemoryError("calloc(" + (size + LibxlVersion.GUARD_BYTES) + ") for " + type + " failed");
    }
    p.setMemory(size, LibxlVersion.GUARD_BYTES, GUARD_PATTERN);
    return new StructBuffer(libc, p, type, size);
  }

  /** The struct's address. */
  Pointer pointer() {
    return pointer;
  }

  /**
   * Checks that nothing was written past the struct.
   *
   * @param function the libxl function just called, for the message
   * @throws LibxlException ({@link LibxlError#FAIL}) naming the struct, its known size and how far
   *     libxl wrote, if the guard zone changed
   */
  void checkGuard(String function) {
    byte[] guard = new byte[LibxlVersion.GUARD_BYTES];
    pointer.get(size, guard, 0, guard.length);
    int last = -1;
    for (int i = 0; i < guard.length; i++) {
      if (guard[i] != GUARD_PATTERN) {
        last = i;
      }
    }
    if (last >= 0) {
      throw new LibxlException(function, LibxlError.FAIL.code(), LibxlError.FAIL.name().toLowerCase(java.util.Locale.ROOT),
          function + " wrote at least " + (size + last + 1) + " bytes of " + type + ", which has " + size
              + " in the libxenlight this binding is laid out for (" + LibxlVersion.supportedText()
              + "): the loaded library has another layout; nothing was overrun (the buffer has a "
              + LibxlVersion.GUARD_BYTES + "-byte guard zone)");
    }
  }

  /** Frees the memory. */
  void free() {
    libc.free(pointer);
  }
}
