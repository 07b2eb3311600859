package io.github.xlsnap.libxl.internal;

import jnr.ffi.Pointer;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.u_int32_t;

/**
 * The raw binding of {@code libxenlight.so.4.17}: the functions xlsnap calls, with libxl's C names
 * and the 4.17 prototypes verbatim ({@code /usr/include/libxl.h}, {@code _libxl_types.h},
 * {@code libxl_utils.h}, {@code libxl_event.h}). An {@code ao_how} argument passed {@code null} makes
 * the call synchronous; a {@link LibxlAsyncopHow} makes it asynchronous (0 then means "started", and
 * the end is an {@code OPERATION_COMPLETE} event for {@link #libxl_event_wait}), and every other
 * argument must then stay valid until that event. Nothing here frees, checks or copies: that is the
 * caller's job.
 *
 * <p>Strings libxl returns as {@code char *} are malloc'd and are returned as {@link Pointer}, to be
 * read and then released with {@link Libc#free}; {@code const char *} static strings are returned as
 * {@link String}.
 */
public interface Libxenlight {
  /** {@code LIBXL_VERSION}, the version argument of {@link #libxl_ctx_alloc}. */
  int LIBXL_VERSION = 0;
  /** {@code LIBXL_SUSPEND_LIVE}: pre-copy while the guest runs (1 is {@code LIBXL_SUSPEND_DEBUG}). */
  int LIBXL_SUSPEND_LIVE = 2;
  /** {@code libxl_sigchld_owner_libxl_always_selective_reap}: reap only libxl's own children. */
  int LIBXL_SIGCHLD_OWNER_LIBXL_ALWAYS_SELECTIVE_REAP = 3;
  /** {@code LIBXL_EVENT_TYPE_OPERATION_COMPLETE}: an asynchronous operation ended. */
  int LIBXL_EVENT_TYPE_OPERATION_COMPLETE = 4;
  /** {@code INVALID_DOMID} ({@code ~0}), as a Java int: what libxl leaves in {@code *domid} when no domain exists. */
  int INVALID_DOMID = -1;

  /** Every function of this interface, by C name: the symbols a test checks resolve. */
  String[] SYMBOLS = {
    "libxl_ctx_alloc", "libxl_ctx_free", "libxl_childproc_setmode", "libxl_error_to_string",
    "libxl_list_domain", "libxl_dominfo_list_free", "libxl_domain_info", "libxl_dominfo_init",
    "libxl_dominfo_dispose", "libxl_name_to_domid", "libxl_domid_to_name", "libxl_domain_pause",
    "libxl_domain_unpause", "libxl_domain_shutdown", "libxl_domain_destroy", "libxl_domain_suspend",
    "libxl_domain_resume", "libxl_domain_config_init", "libxl_domain_config_dispose",
    "libxl_retrieve_domain_configuration", "libxl_domain_config_to_json", "libxl_domain_config_from_json",
    "libxl_domain_create_new", "libxl_domain_create_restore", "libxl_domain_restore_params_init",
    "libxl_domain_restore_params_dispose", "libxl_device_disk_list", "libxl_device_disk_list_free",
    "libxl_qemu_monitor_command", "libxl_event_wait", "libxl_event_free", "libxl_ao_abort",
    "libxl_userdata_retrieve", "libxl_userdata_store",
  };

  int libxl_ctx_alloc(PointerByReference pctx, int version, @u_int32_t int flags, Pointer lg);

  int libxl_ctx_free(Pointer ctx);

  void libxl_childproc_setmode(Pointer ctx, Pointer hooks, Pointer user);

  String libxl_error_to_string(int error);

  Pointer libxl_list_domain(Pointer ctx, IntByReference nbDomainOut);

  void libxl_dominfo_list_free(Pointer list, int nbDomain);

  int libxl_domain_info(Pointer ctx, Pointer infoR, @u_int32_t int domid);

  void libxl_dominfo_init(Pointer p);

  void libxl_dominfo_dispose(Pointer p);

  int libxl_name_to_domid(Pointer ctx, String name, IntByReference domid);

  Pointer libxl_domid_to_name(Pointer ctx, @u_int32_t int domid);

  int libxl_domain_pause(Pointer ctx, @u_int32_t int domid, Pointer aoHow);

  int libxl_domain_unpause(Pointer ctx, @u_int32_t int domid, Pointer aoHow);

  int libxl_domain_shutdown(Pointer ctx, @u_int32_t int domid, Pointer aoHow);

  int libxl_domain_destroy(Pointer ctx, @u_int32_t int domid, Pointer aoHow);

  int libxl_domain_suspend(Pointer ctx, @u_int32_t int domid, int fd, int flags, Pointer aoHow);

  int libxl_domain_resume(Pointer ctx, @u_int32_t int domid, int suspendCancel, Pointer aoHow);

  void libxl_domain_config_init(Pointer dConfig);

  void libxl_domain_config_dispose(Pointer dConfig);

  int libxl_retrieve_domain_configuration(Pointer ctx, @u_int32_t int domid, Pointer dConfig, Pointer aoHow);

  Pointer libxl_domain_config_to_json(Pointer ctx, Pointer p);

  int libxl_domain_config_from_json(Pointer ctx, Pointer p, String s);

  /** {@code domid} is native memory: an asynchronous call writes it when the operation ends. */
  int libxl_domain_create_new(Pointer ctx, Pointer dConfig, Pointer domid, Pointer aoHow, Pointer aopConsoleHow);

  /** {@code domid} is native memory: an asynchronous call writes it when the operation ends. */
  int libxl_domain_create_restore(Pointer ctx, Pointer dConfig, Pointer domid, int restoreFd,
      int sendBackFd, Pointer params, Pointer aoHow, Pointer aopConsoleHow);

  void libxl_domain_restore_params_init(Pointer p);

  void libxl_domain_restore_params_dispose(Pointer p);

  Pointer libxl_device_disk_list(Pointer ctx, @u_int32_t int domid, IntByReference num);

  void libxl_device_disk_list_free(Pointer list, int num);

  int libxl_qemu_monitor_command(Pointer ctx, @u_int32_t int domid, String commandLine,
      PointerByReference output, Pointer aoHow);

  /**
   * Blocks until an event of the types in {@code typemask} (bit {@code 1 << type}) that
   * {@code predicate} accepts has happened, running libxl's own poll loop meanwhile (no osevent hooks
   * needed); several threads may wait at once.
   */
  int libxl_event_wait(Pointer ctx, PointerByReference eventR, long typemask, LibxlEventPredicate predicate,
      Pointer predicateUser);

  void libxl_event_free(Pointer ctx, Pointer event);

  /**
   * Asks libxl to cut short the asynchronous operation started with an identical {@code how}: 0 (it
   * will end, with {@code ERROR_ABORTED} or otherwise), {@code ERROR_NOTFOUND} (no such operation in
   * progress, e.g. already ended) or {@code ERROR_ABORTED} (already asked).
   */
  int libxl_ao_abort(Pointer ctx, Pointer how);

  /**
   * {@code int libxl_userdata_retrieve(libxl_ctx *ctx, uint32_t domid, const char *userdata_userid,
   * uint8_t **data_r, int *datalen_r)}: {@code *data_r} is malloc'd (NULL and 0 if there is none).
   */
  int libxl_userdata_retrieve(Pointer ctx, @u_int32_t int domid, String userid, PointerByReference dataR,
      IntByReference datalenR);

  /**
   * {@code int libxl_userdata_store(libxl_ctx *ctx, uint32_t domid, const char *userdata_userid,
   * const uint8_t *data, int datalen)}: replaces the file atomically, under libxl's per-domain lock.
   */
  int libxl_userdata_store(Pointer ctx, @u_int32_t int domid, String userid, byte[] data, int datalen);
}
