package io.github.xlsnap.libxl.internal;

import jnr.ffi.Runtime;
import jnr.ffi.Struct;

/**
 * {@code libxl_childproc_hooks} (x86_64: 24 bytes). libxl keeps the pointer, so the memory must
 * outlive the context.
 */
public final class LibxlChildprocHooks extends Struct {
  /** {@code libxl_sigchld_owner chldowner}. */
  public final Signed32 chldowner = new Signed32();
  /** {@code pid_t (*fork_replacement)(void *user)}: NULL. */
  public final Pointer fork_replacement = new Pointer();
  /** {@code int (*reaped_callback)(pid_t, int status, void *user)}: NULL. */
  public final Pointer reaped_callback = new Pointer();

  /**
   * Creates the layout.
   *
   * @param runtime the JNR runtime
   */
  public LibxlChildprocHooks(Runtime runtime) {
    super(runtime);
  }
}
