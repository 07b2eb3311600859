package io.github.xlsnap.libxl;

import io.github.xlsnap.core.HypervisorException;
import io.github.xlsnap.libxl.internal.Libc;
import io.github.xlsnap.libxl.internal.Libxenlight;
import io.github.xlsnap.libxl.internal.LibxlAsyncopHow;
import io.github.xlsnap.libxl.internal.LibxlChildprocHooks;
import io.github.xlsnap.libxl.internal.LibxlDeviceDisk;
import io.github.xlsnap.libxl.internal.LibxlDominfo;
import io.github.xlsnap.libxl.internal.LibxlDomainRestoreParams;
import io.github.xlsnap.libxl.internal.LibxlEvent;
import io.github.xlsnap.libxl.internal.LibxlEventPredicate;
import io.github.xlsnap.libxl.internal.LibxlVersion;
import io.github.xlsnap.libxl.internal.NativeLibraries;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import jnr.ffi.LastError;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The middle layer: one {@code libxl_ctx}, and each libxl call as {@code init -> call -> copy into a
 * Java record -> dispose} in {@code finally}. A nonzero return becomes a {@link LibxlException}.
 * Thread-safe: libxl documents its ctx as thread-safe; calls share a read lock, {@link #close()}
 * takes the write lock, so the ctx is never freed under a running call.
 *
 * <p>Short calls pass {@code ao_how} NULL (synchronous). The long ones ({@code libxl_domain_suspend},
 * {@code libxl_domain_create_new}, {@code libxl_domain_create_restore}) are asynchronous and
 * cancellable through {@link AsyncCall}: a {@code libxl_asyncop_how} with {@code callback} NULL and
 * {@code u.for_event} a token unique in this context; a worker thread waits in
 * {@code libxl_event_wait} (libxl's own poll loop) with a predicate that accepts only the
 * {@code OPERATION_COMPLETE} event carrying that token, so several such operations may run at once;
 * the caller's thread, which holds the read lock throughout, calls {@code libxl_ao_abort} when
 * interrupted or when the timeout passes. The operation's arguments (configuration, domid slot,
 * restore parameters) live in native memory until libxl reports the end.
 */
final class LibxlContext implements AutoCloseable {
  /** The userdata id under which libxl keeps a domain's configuration as JSON. */
  static final String LIBXL_JSON = "libxl-json";

  private static final Logger LOG = LoggerFactory.getLogger(LibxlContext.class);

  /** Thrown when the end of an asynchronous operation was lost: its arguments (fds too) must be kept. */
  static final class LostOperationException extends LibxlException {
    private static final long serialVersionUID = 1L;

    LostOperationException(String function, String errorName, String what) {
      super(function, LibxlError.FAIL.code(), errorName, what + ": waiting for the end of " + function
          + " failed; it may still be running, so its buffers and file descriptor are kept");
    }
  }

  /** A copy of {@code libxl_dominfo}'s fields that xlsnap uses. */
  record Dominfo(UUID uuid, int domid, boolean running, boolean blocked, boolean paused, boolean shutdown,
      boolean dying, int shutdownReason, long currentMemkb, int vcpuOnline, long cpuTimeNs) {}

  /** A copy of {@code libxl_device_disk}'s fields that xlsnap uses. */
  record DiskEntry(String vdev, @Nullable String pdevPath, int backend, int format, boolean readwrite,
      boolean cdrom) {}

  private final Libxenlight xl;
  private final Libc libc;
  private final Runtime runtime;
  /** The struct sizes of the loaded libxenlight's version. */
  private final LibxlVersion.Layout layout;
  private final XtlLog log;
  private final Pointer ctx;
  /** {@code libxl_childproc_hooks}; libxl keeps the pointer, so it lives as long as the ctx. */
  private final Pointer hooks;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;
  /** After how long a long operation is aborted; null for never. */
  private final @Nullable Duration timeout;
  /** The {@code u.for_event} tokens of asynchronous operations: never reused in this context. */
  private final AtomicLong tokens = new AtomicLong();
  /** Passed to every {@code libxl_event_wait}; a field, so that the native callback stays reachable. */
  private final LibxlEventPredicate completionOfToken;

  private LibxlContext(NativeLibraries natives, XtlLog log, Pointer ctx, Pointer hooks, @Nullable Duration timeout) {
    this.xl = natives.libxenlight();
    this.libc = natives.libc();
    this.runtime = natives.runtime();
    this.layout = natives.version().layout();
    this.log = log;
    this.ctx = ctx;
    this.hooks = hooks;
    this.timeout = timeout;
    this.completionOfToken = completionOfToken(runtime);
  }

  /**
   * The predicate of {@code libxl_event_wait}: accepts the {@code OPERATION_COMPLETE} event whose
   * {@code for_user} is the token passed as {@code predicate_user}.
   *
   * @param runtime the JNR runtime the event is laid out for
   * @return the predicate
   */
  static LibxlEventPredicate completionOfToken(Runtime runtime) {
    return (event, user) -> {
      if (event == null || user == null) {
        return 0;
      }
      LibxlEvent e = new LibxlEvent(runtime);
      e.useMemory(event);
      return e.type.get() == Libxenlight.LIBXL_EVENT_TYPE_OPERATION_COMPLETE && e.for_user.get() == user.address()
          ? 1 : 0;
    };
  }

  /**
   * Allocates a ctx with a logger feeding {@code sink}, and sets child-process mode
   * {@code libxl_sigchld_owner_libxl_always_selective_reap} at once, so that libxl never reaps the
   * JVM's own children.
   *
   * @param natives the libraries
   * @param sink receives libxl's log lines
   * @param root the file system root, for the diagnosis when the allocation fails
   * @return the context
   * @throws LibxlUnavailableException if the host has no Xen or no xenstored
   * @throws LibxlException if the allocation fails otherwise
   */
  static LibxlContext open(NativeLibraries natives, Consumer<String> sink, Path root) {
    return open(natives, sink, root, null);
  }

  /**
   * As {@link #open(NativeLibraries, Consumer, Path)}, with a timeout for the long operations.
   *
   * @param natives the libraries
   * @param sink receives libxl's log lines
   * @param root the file system root, for the diagnosis when the allocation fails
   * @param timeout after how long a checkpoint's suspend or a restore's creation is aborted; null for never
   * @return the context
   */
  static LibxlContext open(NativeLibraries natives, Consumer<String> sink, Path root, @Nullable Duration timeout) {
    XtlLog log = XtlLog.open(natives, sink);
    boolean ok = false;
    try {
      PointerByReference pctx = new PointerByReference();
      int rc = natives.libxenlight().libxl_ctx_alloc(pctx, Libxenlight.LIBXL_VERSION, 0, log.logger());
      Pointer ctx = pctx.getValue();
      if (rc != 0 || ctx == null) {
        natives.libxenlight().libxl_ctx_free(ctx);
        String detail = "libxl_ctx_alloc returned " + rc + " "
            + natives.libxenlight().libxl_error_to_string(rc) + "; libxl said: " + lastLines(log);
        throw HostCheck.diagnose(root, rc, detail).<HypervisorException>map(e -> e).orElseGet(() -> new LibxlException("libxl_ctx_alloc", rc,
            natives.libxenlight().libxl_error_to_string(rc), "cannot open a libxl context; libxl said: "
                + lastLines(log)));
      }
      LibxlChildprocHooks layout = new LibxlChildprocHooks(natives.runtime());
      Pointer hooks = natives.libc().calloc(1, Struct.size(layout));
      layout.useMemory(hooks);
      layout.chldowner.set(Libxenlight.LIBXL_SIGCHLD_OWNER_LIBXL_ALWAYS_SELECTIVE_REAP);
      natives.libxenlight().libxl_childproc_setmode(ctx, hooks, null);
      ok = true;
      return new LibxlContext(natives, log, ctx, hooks, timeout);
    } finally {
      if (!ok) {
        log.close();
      }
    }
  }

  private static String lastLines(XtlLog log) {
    log.drain();
    List<String> recent = log.recent();
    return recent.isEmpty() ? "(nothing)" : String.join(" | ", recent);
  }

  /**
   * Returns the last lines libxl logged, for error messages.
   *
   * @return the lines joined, or {@code (nothing)}
   */
  String recentLog() {
    return lastLines(log);
  }

  /**
   * What libxc's progress reports since a time say of a save.
   *
   * @param since the {@link System#nanoTime} the save started at
   * @return the rounds and when the domain suspended, as far as reported
   */
  SaveProgress saveProgress(long since) {
    log.drain();
    return SaveProgress.of(log.progressSince(since));
  }

  private <T> T call(Supplier<T> body) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the libxl hypervisor is closed");
      }
      return body.get();
    } finally {
      lock.readLock().unlock();
    }
  }

  private void check(String function, int rc, String what) {
    if (rc != 0) {
      throw new LibxlException(function, rc, xl.libxl_error_to_string(rc), what);
    }
  }

  /**
   * Returns {@code libxl_error_to_string} of a code.
   *
   * @param rc the code
   * @return its name
   */
  String errorName(int rc) {
    return xl.libxl_error_to_string(rc);
  }

  List<Dominfo> listDomains() {
    return call(() -> {
      IntByReference nb = new IntByReference();
      Pointer list = xl.libxl_list_domain(ctx, nb);
      if (list == null) {
        throw new LibxlException("libxl_list_domain", LibxlError.FAIL.code(), errorName(LibxlError.FAIL.code()),
            "cannot list domains");
      }
      try {
        LibxlDominfo info = new LibxlDominfo(runtime);
        long stride = Struct.size(info);
        List<Dominfo> result = new ArrayList<>();
        for (int i = 0; i < nb.getValue(); i++) {
          info.useMemory(list.slice(i * stride, stride));
          result.add(copy(info));
        }
        return result;
      } finally {
        xl.libxl_dominfo_list_free(list, nb.getValue());
      }
    });
  }

  Optional<Dominfo> domainInfo(int domid) {
    return call(() -> {
      LibxlDominfo info = new LibxlDominfo(runtime);
      StructBuffer buffer = StructBuffer.allocate(libc, "libxl_dominfo", layout.dominfo());
      Pointer memory = buffer.pointer();
      info.useMemory(memory);
      xl.libxl_dominfo_init(memory);
      try {
        buffer.checkGuard("libxl_dominfo_init");
        int rc = xl.libxl_domain_info(ctx, memory, domid);
        buffer.checkGuard("libxl_domain_info");
        if (rc == LibxlError.DOMAIN_NOTFOUND.code()) {
          return Optional.empty();
        }
        check("libxl_domain_info", rc, "cannot read the state of domid " + domid);
        return Optional.of(copy(info));
      } finally {
        xl.libxl_dominfo_dispose(memory);
        buffer.free();
      }
    });
  }

  private static Dominfo copy(LibxlDominfo info) {
    ByteBuffer uuid = ByteBuffer.allocate(16);
    for (int i = 0; i < 16; i++) {
      uuid.put((byte) info.uuid[i].get());
    }
    uuid.flip();
    return new Dominfo(new UUID(uuid.getLong(), uuid.getLong()), (int) info.domid.get(), info.running.get() != 0,
        info.blocked.get() != 0, info.paused.get() != 0, info.shutdown.get() != 0, info.dying.get() != 0,
        info.shutdown_reason.get(), info.current_memkb.get(), (int) info.vcpu_online.get(), info.cpu_time.get());
  }

  Optional<String> domidToName(int domid) {
    return call(() -> takeString(xl.libxl_domid_to_name(ctx, domid)));
  }

  OptionalInt nameToDomid(String name) {
    return call(() -> {
      IntByReference domid = new IntByReference();
      int rc = xl.libxl_name_to_domid(ctx, name, domid);
      if (rc == LibxlError.INVAL.code()) {
        return OptionalInt.empty();
      }
      check("libxl_name_to_domid", rc, "cannot look up domain " + name);
      return OptionalInt.of(domid.getValue());
    });
  }

  void pause(int domid) {
    call(() -> {
      check("libxl_domain_pause", xl.libxl_domain_pause(ctx, domid, null), "cannot pause domid " + domid);
      return null;
    });
  }

  void unpause(int domid) {
    call(() -> {
      check("libxl_domain_unpause", xl.libxl_domain_unpause(ctx, domid, null), "cannot unpause domid " + domid);
      return null;
    });
  }

  void shutdown(int domid) {
    call(() -> {
      check("libxl_domain_shutdown", xl.libxl_domain_shutdown(ctx, domid, null), "cannot shut down domid " + domid);
      return null;
    });
  }

  /** {@code libxl_domain_destroy}; it may run hotplug scripts, so it runs as {@link ChildFds#spawning}. */
  void destroy(int domid) {
    call(() -> ChildFds.PROCESS.spawning("libxl_domain_destroy", () -> {
      check("libxl_domain_destroy", xl.libxl_domain_destroy(ctx, domid, null), "cannot destroy domid " + domid);
      return null;
    }));
  }

  /**
   * Runs {@code libxl_domain_suspend} asynchronously and cancellably; returns how it ended rather
   * than throwing, so that the caller can clean up before reporting. The caller restores the
   * interrupt status ({@link AsyncCall.Outcome#restoreInterrupt()}) after its cleanup, and must not
   * close {@code fd} unless the outcome is {@linkplain AsyncCall.Outcome#completed() completed}.
   * libxl starts {@code libxl-save-helper}, so this runs as {@link ChildFds#spawning} until the end.
   */
  AsyncCall.Outcome suspend(int domid, int fd, int flags) {
    return call(() -> ChildFds.PROCESS.spawning("libxl_domain_suspend",
        () -> async("libxl_domain_suspend", how -> xl.libxl_domain_suspend(ctx, domid, fd, flags, how))));
  }

  /**
   * Runs one asynchronous libxl call through {@link AsyncCall}, with a fresh token.
   *
   * @param function the C name, for thread names and logs
   * @param initiate calls the function with the given {@code libxl_asyncop_how}
   * @return how it ended
   */
  private AsyncCall.Outcome async(String function, ToIntFunction<Pointer> initiate) {
    long token = tokens.incrementAndGet();
    LibxlAsyncopHow layout = new LibxlAsyncopHow(runtime);
    Pointer how = calloc(Struct.size(layout));
    layout.useMemory(how);
    layout.u_for_event.set(token);
    ThreadFactory worker = task -> {
      Thread t = new Thread(task, "xlsnap-libxl-" + function + "-" + token);
      t.setDaemon(true);
      return t;
    };
    try {
      return AsyncCall.run(new AsyncOp() {
        @Override
        public int start() {
          return initiate.applyAsInt(how);
        }

        @Override
        public int awaitCompletion() {
          return awaitCompletionEvent(function, token);
        }

        @Override
        public int abort() {
          return xl.libxl_ao_abort(ctx, how);
        }
      }, timeout, worker);
    } finally {
      libc.free(how); // libxl keeps a copy of *ao_how; this one only had to outlive the start and the abort
    }
  }

  /**
   * Waits in {@code libxl_event_wait} for the {@code OPERATION_COMPLETE} event of a token, frees it
   * and returns its {@code rc}. If the wait itself fails, retries after a second, as libxl does for
   * its synchronous calls: the operation is still running and its end must be seen.
   */
  private int awaitCompletionEvent(String function, long token) {
    Pointer user = Pointer.wrap(runtime, token);
    long mask = 1L << Libxenlight.LIBXL_EVENT_TYPE_OPERATION_COMPLETE;
    while (true) {
      PointerByReference out = new PointerByReference();
      int rc = xl.libxl_event_wait(ctx, out, mask, completionOfToken, user);
      Pointer event = out.getValue();
      if (rc != 0 || event == null) {
        LOG.warn("libxl_event_wait for the end of {} returned {} {}; retrying in 1 s", function, rc, errorName(rc));
        sleepUninterruptibly();
        continue;
      }
      try {
        LibxlEvent e = new LibxlEvent(runtime);
        e.useMemory(event);
        if (e.for_user.get() == token) {
          return e.u_operation_complete_rc.get();
        }
        LOG.warn("libxl_event_wait returned the event of token {} while waiting for {}; dropped", e.for_user.get(),
            token);
      } finally {
        xl.libxl_event_free(ctx, event);
      }
    }
  }

  private static void sleepUninterruptibly() {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    boolean interrupted = false;
    for (long left = end - System.nanoTime(); left > 0; left = end - System.nanoTime()) {
      try {
        TimeUnit.NANOSECONDS.sleep(left);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** The exception for an asynchronous call that ended with a nonzero code. */
  private LibxlException failure(String function, AsyncCall.Outcome outcome, String what) {
    int rc = outcome.rc();
    if (outcome.cancelled()) {
      return new LibxlCancelledException(function, rc, errorName(rc), what + "; cancelled ("
          + outcome.describeCancellation() + ")");
    }
    return new LibxlException(function, rc, errorName(rc), what);
  }

  void resume(int domid) {
    call(() -> {
      check("libxl_domain_resume", xl.libxl_domain_resume(ctx, domid, 1, null), "cannot resume domid " + domid);
      return null;
    });
  }

  /** {@code libxl_retrieve_domain_configuration} + {@code libxl_domain_config_to_json}. */
  String configurationJson(int domid) {
    return call(() -> {
      StructBuffer buffer = StructBuffer.allocate(libc, "libxl_domain_config", layout.domainConfig());
      Pointer config = buffer.pointer();
      xl.libxl_domain_config_init(config);
      try {
        buffer.checkGuard("libxl_domain_config_init");
        check("libxl_retrieve_domain_configuration", xl.libxl_retrieve_domain_configuration(ctx, domid, config,
            null), "cannot read the configuration of domid " + domid);
        buffer.checkGuard("libxl_retrieve_domain_configuration");
        return takeString(xl.libxl_domain_config_to_json(ctx, config)).orElseThrow(() -> new LibxlException(
            "libxl_domain_config_to_json", LibxlError.FAIL.code(), errorName(LibxlError.FAIL.code()),
            "cannot convert the configuration of domid " + domid + " to JSON"));
      } finally {
        xl.libxl_domain_config_dispose(config);
        buffer.free();
      }
    });
  }

  /**
   * libxl's stored configuration of a domain as libxl wrote it: the {@code libxl-json} userdata
   * ({@code libxl_userdata_retrieve}), which {@code libxl_retrieve_domain_configuration} reads, and
   * with it {@code xl}'s reboot, {@code xl save} and {@code xl migrate}.
   *
   * @param domid the domain
   * @return the JSON
   * @throws LibxlException if libxl cannot read it, or has none
   */
  String storedConfigurationJson(int domid) {
    return call(() -> {
      PointerByReference data = new PointerByReference();
      IntByReference length = new IntByReference();
      int rc = xl.libxl_userdata_retrieve(ctx, domid, LIBXL_JSON, data, length);
      Pointer p = data.getValue();
      try {
        check("libxl_userdata_retrieve", rc, "cannot read libxl's stored configuration (userdata "
            + LIBXL_JSON + ") of domid " + domid);
        if (p == null || length.getValue() <= 0) {
          throw new LibxlException("libxl_userdata_retrieve", LibxlError.INVAL.code(), errorName(LibxlError.INVAL.code()),
              "domid " + domid + " has no stored configuration (userdata " + LIBXL_JSON + ")");
        }
        byte[] bytes = new byte[length.getValue()];
        p.get(0, bytes, 0, bytes.length);
        int end = bytes.length;
        while (end > 0 && bytes[end - 1] == 0) {
          end--;
        }
        return new String(bytes, 0, end, java.nio.charset.StandardCharsets.UTF_8);
      } finally {
        if (p != null) {
          libc.free(p);
        }
      }
    });
  }

  /**
   * Replaces libxl's stored configuration of a domain ({@code libxl_userdata_store} of
   * {@code libxl-json}, NUL-terminated as libxl stores it), after checking that libxl parses it
   * ({@code libxl_domain_config_from_json}). libxl takes its per-domain userdata lock for the store
   * itself, but not across the read before it: see the callers.
   *
   * @param domid the domain
   * @param json the configuration
   * @throws LibxlException if libxl does not accept the JSON or cannot store it
   */
  void storeConfigurationJson(int domid, String json) {
    call(() -> {
      StructBuffer buffer = StructBuffer.allocate(libc, "libxl_domain_config", layout.domainConfig());
      Pointer config = buffer.pointer();
      xl.libxl_domain_config_init(config);
      try {
        buffer.checkGuard("libxl_domain_config_init");
        check("libxl_domain_config_from_json", xl.libxl_domain_config_from_json(ctx, config, json),
            "the configuration to store for domid " + domid + " is not valid libxl JSON");
        buffer.checkGuard("libxl_domain_config_from_json");
      } finally {
        xl.libxl_domain_config_dispose(config);
        buffer.free();
      }
      byte[] text = json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
      byte[] data = java.util.Arrays.copyOf(text, text.length + 1);
      check("libxl_userdata_store", xl.libxl_userdata_store(ctx, domid, LIBXL_JSON, data, data.length),
          "cannot store libxl's configuration (userdata " + LIBXL_JSON + ") of domid " + domid);
      return null;
    });
  }

  /**
   * Creates a domain from a libxl JSON configuration, booting it ({@code restoreFd} negative) or
   * restoring the libxl stream at the fd's offset, asynchronously and cancellably. libxl leaves the
   * new domain paused. When the creation fails, libxl destroys the domain itself, except when it was
   * aborted: then ({@code libxl.h}: "the domain may or may not exist (in a half-created state)") this
   * destroys it by the domid libxl reports. The interrupt status is restored before this returns or
   * throws.
   *
   * @return the new domid
   * @throws LibxlCancelledException if cancelled before the domain was complete (none is left)
   * @throws LostOperationException if the end of the operation was lost (then {@code restoreFd} must stay open)
   */
  int create(String configJson, int restoreFd, int streamVersion) {
    return call(() -> {
      StructBuffer configBuffer = StructBuffer.allocate(libc, "libxl_domain_config", layout.domainConfig());
      Pointer config = configBuffer.pointer();
      Pointer domidSlot = calloc(4);
      LibxlDomainRestoreParams params = new LibxlDomainRestoreParams(runtime);
      StructBuffer paramsBuffer = StructBuffer.allocate(libc, "libxl_domain_restore_params",
          layout.domainRestoreParams());
      Pointer paramsMemory = paramsBuffer.pointer();
      params.useMemory(paramsMemory);
      xl.libxl_domain_config_init(config);
      xl.libxl_domain_restore_params_init(paramsMemory);
      boolean release = true;
      try {
        configBuffer.checkGuard("libxl_domain_config_init");
        paramsBuffer.checkGuard("libxl_domain_restore_params_init");
        check("libxl_domain_config_from_json", xl.libxl_domain_config_from_json(ctx, config, configJson),
            "the domain configuration is not valid libxl JSON");
        configBuffer.checkGuard("libxl_domain_config_from_json");
        domidSlot.putInt(0, Libxenlight.INVALID_DOMID);
        String function;
        AsyncCall.Outcome outcome;
        // libxl starts QEMU (and libxl-save-helper for a restore): ChildFds.spawning until the end
        if (restoreFd < 0) {
          function = "libxl_domain_create_new";
          outcome = ChildFds.PROCESS.spawning(function,
              () -> async("libxl_domain_create_new", how -> xl.libxl_domain_create_new(ctx, config, domidSlot, how, null)));
        } else {
          function = "libxl_domain_create_restore";
          params.checkpointed_stream.set(0);
          params.stream_version.set(streamVersion);
          outcome = ChildFds.PROCESS.spawning(function, () -> async("libxl_domain_create_restore",
              how -> xl.libxl_domain_create_restore(ctx, config, domidSlot, restoreFd, -1, paramsMemory, how, null)));
        }
        if (!outcome.completed()) {
          release = false;
          outcome.restoreInterrupt();
          throw new LostOperationException(function, errorName(LibxlError.FAIL.code()), "cannot " + (restoreFd < 0 ? "create" : "restore") + " the domain");
        }
        int domid = domidSlot.getInt(0);
        if (outcome.rc() == 0) {
          outcome.restoreInterrupt();
          return domid;
        }
        String what = (restoreFd < 0 ? "cannot create the domain" : "cannot restore the domain")
            + ChildFds.PROCESS.spawning("libxl_domain_destroy", () -> destroyAborted(outcome.rc(), domid));
        outcome.restoreInterrupt();
        throw failure(function, outcome, what);
      } finally {
        if (release) {
          xl.libxl_domain_restore_params_dispose(paramsMemory);
          paramsBuffer.free();
          libc.free(domidSlot);
          xl.libxl_domain_config_dispose(config);
          configBuffer.free();
        }
      }
    });
  }

  /**
   * After a creation ended with {@code rc}: destroys the half-created domain libxl keeps when it
   * aborted the creation (any other failure destroys it in libxl).
   *
   * @return what happened to the domain, for the message
   */
  private String destroyAborted(int rc, int domid) {
    if (rc != LibxlError.ABORTED.code()) {
      return "";
    }
    if (domid == Libxenlight.INVALID_DOMID || domid <= 0) {
      return "; no domain had been made yet";
    }
    int destroyRc = xl.libxl_domain_destroy(ctx, domid, null);
    if (destroyRc == 0 || destroyRc == LibxlError.DOMAIN_NOTFOUND.code()) {
      LOG.info("destroyed domid {}, half-created when its creation was aborted", domid);
      return "; the half-created domid " + domid + " was destroyed";
    }
    LOG.warn("cannot destroy the half-created domid {}: libxl_domain_destroy returned {}", domid, destroyRc);
    return "; the half-created domid " + domid + " could NOT be destroyed (libxl_domain_destroy returned "
        + destroyRc + " " + errorName(destroyRc) + ")";
  }

  List<DiskEntry> disks(int domid) {
    return call(() -> {
      IntByReference num = new IntByReference();
      Pointer list = xl.libxl_device_disk_list(ctx, domid, num);
      if (list == null) {
        return List.of();
      }
      try {
        LibxlDeviceDisk disk = new LibxlDeviceDisk(runtime);
        long stride = Struct.size(disk);
        List<DiskEntry> result = new ArrayList<>();
        for (int i = 0; i < num.getValue(); i++) {
          disk.useMemory(list.slice(i * stride, stride));
          result.add(new DiskEntry(string(disk.vdev.get()).orElse(""), string(disk.pdev_path.get()).orElse(null),
              disk.backend.get(), disk.format.get(), disk.readwrite.get() != 0, disk.is_cdrom.get() != 0));
        }
        return result;
      } finally {
        xl.libxl_device_disk_list_free(list, num.getValue());
      }
    });
  }

  /** {@code libxl_qemu_monitor_command}: one HMP command line, its reply. */
  String qemuMonitorCommand(int domid, String commandLine) {
    return call(() -> {
      PointerByReference output = new PointerByReference();
      int rc = xl.libxl_qemu_monitor_command(ctx, domid, commandLine, output, null);
      Optional<String> reply = takeString(output.getValue());
      check("libxl_qemu_monitor_command", rc, "QEMU monitor command '" + commandLine + "' on domid " + domid);
      return reply.orElse("");
    });
  }

  /** Opens a file with libc for libxl to read or write; the caller closes it with {@link #closeFd}. */
  int openFd(Path file, int flags) {
    int fd = libc.open(file.toString(), flags | Libc.O_CLOEXEC);
    if (fd < 0) {
      throw new LibxlException("open", LibxlError.FAIL.code(), errorName(LibxlError.FAIL.code()),
          "cannot open " + file + " (errno " + LastError.getLastError(runtime) + ")");
    }
    return fd;
  }

  void writeFully(int fd, byte[] bytes, Path file) {
    byte[] rest = bytes;
    while (rest.length > 0) {
      long n = libc.write(fd, rest, rest.length);
      if (n <= 0) {
        throw new LibxlException("write", LibxlError.FAIL.code(), errorName(LibxlError.FAIL.code()),
            "cannot write " + file + " (errno " + LastError.getLastError(runtime) + ")");
      }
      rest = java.util.Arrays.copyOfRange(rest, (int) n, rest.length);
    }
  }

  void seek(int fd, long offset, Path file) {
    if (libc.lseek(fd, offset, Libc.SEEK_SET) != offset) {
      throw new LibxlException("lseek", LibxlError.FAIL.code(), errorName(LibxlError.FAIL.code()),
          "cannot seek in " + file + " (errno " + LastError.getLastError(runtime) + ")");
    }
  }

  /**
   * A descriptor's file offset ({@code lseek(fd, 0, SEEK_CUR)}): moves nothing and opens nothing.
   *
   * @return the offset, negative if the descriptor is not open
   */
  long position(int fd) {
    return libc.lseek(fd, 0, Libc.SEEK_CUR);
  }

  void closeFd(int fd) {
    libc.close(fd);
  }

  private Optional<String> takeString(@Nullable Pointer malloced) {
    if (malloced == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(malloced.getString(0));
    } finally {
      libc.free(malloced);
    }
  }

  private static Optional<String> string(@Nullable Pointer p) {
    return p == null ? Optional.empty() : Optional.of(p.getString(0));
  }

  /** Frees the ctx (after any running call), then the logger. Idempotent. */
  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      xl.libxl_ctx_free(ctx);
    } finally {
      lock.writeLock().unlock();
    }
    libc.free(hooks);
    log.close();
  }

  /** Zeroed native memory from {@code calloc}, freed with {@code free} in the caller's finally. */
  private Pointer calloc(long size) {
    Pointer p = libc.calloc(1, size);
    if (p == null) {
      throw new OutOfMemoryError("calloc(" + size + ") failed");
    }
    return p;
  }
}
