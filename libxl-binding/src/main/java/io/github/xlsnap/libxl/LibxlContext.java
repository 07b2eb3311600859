package io.github.xlsnap.libxl;

import io.github.xlsnap.core.HypervisorException;
import io.github.xlsnap.libxl.internal.Libc;
import io.github.xlsnap.libxl.internal.Libxenlight;
import io.github.xlsnap.libxl.internal.LibxlChildprocHooks;
import io.github.xlsnap.libxl.internal.LibxlDeviceDisk;
import io.github.xlsnap.libxl.internal.LibxlDominfo;
import io.github.xlsnap.libxl.internal.LibxlDomainRestoreParams;
import io.github.xlsnap.libxl.internal.NativeLibraries;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.UUID;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import java.util.function.Supplier;
import jnr.ffi.LastError;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import org.jspecify.annotations.Nullable;

/**
 * The middle layer: one {@code libxl_ctx}, and each libxl call as {@code init -> call -> copy into a
 * Java record -> dispose} in {@code finally}. Every {@code ao_how} is NULL (synchronous). A nonzero
 * return becomes a {@link LibxlException}. Thread-safe: libxl documents its ctx as thread-safe;
 * calls share a read lock, {@link #close()} takes the write lock, so the ctx is never freed under a
 * running call.
 */
final class LibxlContext implements AutoCloseable {
  /** {@code sizeof(libxl_domain_config)} on 4.17 x86_64; the layout test checks it. */
  static final int DOMAIN_CONFIG_SIZE = 1288;

  /** A copy of {@code libxl_dominfo}'s fields that xlsnap uses. */
  record Dominfo(UUID uuid, int domid, boolean running, boolean blocked, boolean paused, boolean shutdown,
      boolean dying, int shutdownReason, long currentMemkb, int vcpuOnline, long cpuTimeNs) {}

  /** A copy of {@code libxl_device_disk}'s fields that xlsnap uses. */
  record DiskEntry(String vdev, @Nullable String pdevPath, int backend, int format, boolean readwrite,
      boolean cdrom) {}

  private final Libxenlight xl;
  private final Libc libc;
  private final Runtime runtime;
  private final XtlLog log;
  private final Pointer ctx;
  /** {@code libxl_childproc_hooks}; libxl keeps the pointer, so it lives as long as the ctx. */
  private final Pointer hooks;
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  private LibxlContext(NativeLibraries natives, XtlLog log, Pointer ctx, Pointer hooks) {
    this.xl = natives.libxenlight();
    this.libc = natives.libc();
    this.runtime = natives.runtime();
    this.log = log;
    this.ctx = ctx;
    this.hooks = hooks;
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
      return new LibxlContext(natives, log, ctx, hooks);
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
      Pointer memory = calloc(Struct.size(info));
      info.useMemory(memory);
      xl.libxl_dominfo_init(memory);
      try {
        int rc = xl.libxl_domain_info(ctx, memory, domid);
        if (rc == LibxlError.DOMAIN_NOTFOUND.code()) {
          return Optional.empty();
        }
        check("libxl_domain_info", rc, "cannot read the state of domid " + domid);
        return Optional.of(copy(info));
      } finally {
        xl.libxl_dominfo_dispose(memory);
        libc.free(memory);
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

  void destroy(int domid) {
    call(() -> {
      check("libxl_domain_destroy", xl.libxl_domain_destroy(ctx, domid, null), "cannot destroy domid " + domid);
      return null;
    });
  }

  /**
   * Calls {@code libxl_domain_suspend}; returns its code rather than throwing, so that the caller can
   * tell the domain's state before reporting.
   */
  int suspend(int domid, int fd, int flags) {
    return call(() -> xl.libxl_domain_suspend(ctx, domid, fd, flags, null));
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
      Pointer config = calloc(DOMAIN_CONFIG_SIZE);
      xl.libxl_domain_config_init(config);
      try {
        check("libxl_retrieve_domain_configuration", xl.libxl_retrieve_domain_configuration(ctx, domid, config,
            null), "cannot read the configuration of domid " + domid);
        return takeString(xl.libxl_domain_config_to_json(ctx, config)).orElseThrow(() -> new LibxlException(
            "libxl_domain_config_to_json", LibxlError.FAIL.code(), errorName(LibxlError.FAIL.code()),
            "cannot convert the configuration of domid " + domid + " to JSON"));
      } finally {
        xl.libxl_domain_config_dispose(config);
        libc.free(config);
      }
    });
  }

  /**
   * Creates a domain from a libxl JSON configuration, booting it ({@code restoreFd} negative) or
   * restoring the libxl stream at the fd's offset. libxl leaves the new domain paused, and destroys
   * it itself when the creation fails.
   *
   * @return the new domid
   */
  int create(String configJson, int restoreFd, int streamVersion) {
    return call(() -> {
      Pointer config = calloc(DOMAIN_CONFIG_SIZE);
      xl.libxl_domain_config_init(config);
      try {
        check("libxl_domain_config_from_json", xl.libxl_domain_config_from_json(ctx, config, configJson),
            "the domain configuration is not valid libxl JSON");
        IntByReference domid = new IntByReference(-1);
        if (restoreFd < 0) {
          check("libxl_domain_create_new", xl.libxl_domain_create_new(ctx, config, domid, null, null),
              "cannot create the domain");
          return domid.getValue();
        }
        LibxlDomainRestoreParams params = new LibxlDomainRestoreParams(runtime);
        Pointer memory = calloc(Struct.size(params));
        params.useMemory(memory);
        xl.libxl_domain_restore_params_init(memory);
        try {
          params.checkpointed_stream.set(0);
          params.stream_version.set(streamVersion);
          check("libxl_domain_create_restore", xl.libxl_domain_create_restore(ctx, config, domid, restoreFd, -1,
              memory, null, null), "cannot restore the domain");
          return domid.getValue();
        } finally {
          xl.libxl_domain_restore_params_dispose(memory);
          libc.free(memory);
        }
      } finally {
        xl.libxl_domain_config_dispose(config);
        libc.free(config);
      }
    });
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
