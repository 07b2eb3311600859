package io.github.xlsnap.libxl.internal;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;

/**
 * {@code libxl_event_predicate}: {@code int (*)(const libxl_event *, void *user)}, called by
 * {@link Libxenlight#libxl_event_wait} with the ctx locked, on the waiting thread, for each queued
 * event of the requested types. It must not fail and must not call libxl. The implementation must
 * stay strongly reachable while libxl may call it.
 */
public interface LibxlEventPredicate {
  /**
   * Tells whether the event is the one waited for.
   *
   * @param event the {@code libxl_event}, owned by libxl
   * @param user the {@code predicate_user} passed to {@code libxl_event_wait}; null if it was 0
   * @return nonzero if wanted, 0 if not
   */
  @Delegate
  int test(Pointer event, Pointer user);
}
