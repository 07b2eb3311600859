package io.github.xlsnap.libxl.internal;

import com.kenai.jffi.Library;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;

/**
 * Loads the native libraries by soname, once per call: the caller (the provider) keeps the result.
 * Nothing is loaded in a static initializer.
 *
 * @param libxenlight libxenlight of a supported version ({@link LibxlVersion})
 * @param xentoollog {@code libxentoollog.so.1}
 * @param libc {@code libc.so.6}
 * @param runtime the JNR runtime the structs are laid out for
 * @param version the version of libxenlight loaded
 */
public record NativeLibraries(Libxenlight libxenlight, Xentoollog xentoollog, Libc libc, Runtime runtime,
    LibxlVersion version) {
  /**
   * The soname of the newest supported libxenlight, named when none can be loaded; it changes with
   * every Xen minor release ({@link LibxlVersion} knows each supported one).
   */
  public static final String LIBXENLIGHT = LibxlVersion.supported().get(0).soname();
  /** The soname of libxentoollog. */
  public static final String LIBXENTOOLLOG = "libxentoollog.so.1";
  /** The soname of the C library. */
  public static final String LIBC = "libc.so.6";

  /**
   * A native library could not be opened, or lacks a symbol the binding uses.
   *
   * @param soname the library
   * @param reason the loader's message, or the missing symbols
   */
  public record Failure(String soname, String reason) {}

  /**
   * Loads the three libraries and checks that every bound symbol resolves.
   *
   * @return the bindings
   * @throws NativeLoadException naming the first library that failed
   */
  public static NativeLibraries load() {
    check(LIBXENTOOLLOG, Xentoollog.SYMBOLS).ifPresent(NativeLibraries::fail);
    LibxlVersion version = chooseVersion();
    check(LIBC, Libc.SYMBOLS).ifPresent(NativeLibraries::fail);
    Xentoollog xentoollog = LibraryLoader.create(Xentoollog.class).failImmediately().load(LIBXENTOOLLOG);
    Libxenlight libxenlight = LibraryLoader.create(Libxenlight.class).failImmediately().load(version.soname());
    Libc libc = LibraryLoader.create(Libc.class).failImmediately().load(LIBC);
    Runtime runtime = Runtime.getRuntime(libxenlight);
    checkStructs(version, runtime);
    return new NativeLibraries(libxenlight, xentoollog, libc, runtime, version);
  }

  /**
   * Checks that the struct classes of this package have the sizes the version's layout gives: the
   * classes are written for one layout, and a version added to {@link LibxlVersion} with other sizes
   * needs its own classes.
   *
   * @param version the version
   * @param runtime the runtime the classes are laid out with
   * @throws IllegalStateException naming the struct whose class does not fit the version
   */
  public static void checkStructs(LibxlVersion version, Runtime runtime) {
    LibxlVersion.Layout l = version.layout();
    java.util.Map<String, int[]> sizes = new java.util.LinkedHashMap<>();
    sizes.put("libxl_dominfo", new int[] {jnr.ffi.Struct.size(new LibxlDominfo(runtime)), l.dominfo()});
    sizes.put("libxl_device_disk", new int[] {jnr.ffi.Struct.size(new LibxlDeviceDisk(runtime)), l.deviceDisk()});
    sizes.put("libxl_domain_restore_params",
        new int[] {jnr.ffi.Struct.size(new LibxlDomainRestoreParams(runtime)), l.domainRestoreParams()});
    sizes.put("libxl_childproc_hooks", new int[] {jnr.ffi.Struct.size(new LibxlChildprocHooks(runtime)), l.childprocHooks()});
    sizes.put("libxl_asyncop_how", new int[] {jnr.ffi.Struct.size(new LibxlAsyncopHow(runtime)), l.asyncopHow()});
    sizes.put("libxl_event", new int[] {jnr.ffi.Struct.size(new LibxlEvent(runtime)), l.event()});
    sizes.forEach((type, s) -> {
      if (s[0] != s[1]) {
        throw new IllegalStateException("the binding's " + type + " has " + s[0] + " bytes, libxenlight "
            + version.version() + " " + s[1] + ": that version needs its own struct class");
      }
    });
  }

  /**
   * The newest supported libxenlight that opens and exports every bound symbol.
   *
   * @throws NativeLoadException naming the newest supported soname (or the one that lacks symbols),
   *     and any libxenlight of an unsupported version that is installed
   */
  private static LibxlVersion chooseVersion() {
    Optional<Failure> first = Optional.empty();
    for (LibxlVersion v : LibxlVersion.supported()) {
      Optional<Failure> failure = check(v.soname(), Libxenlight.SYMBOLS);
      if (failure.isEmpty()) {
        return v;
      }
      boolean opened = failure.get().reason().startsWith("undefined symbols");
      if (first.isEmpty() || opened) {
        first = failure; // a library that opened but lacks symbols says more than one that is absent
      }
    }
    Failure f = first.orElseThrow();
    List<String> others = unsupportedInstalled();
    throw new NativeLoadException(others.isEmpty() ? f : new Failure(f.soname(), f.reason() + "; installed instead: "
        + String.join(", ", others) + ", a version this binding does not support (supported: "
        + LibxlVersion.supportedText() + ")"));
  }

  /** The libxenlight sonames of unsupported Xen versions (4.10 to 4.40) that the dynamic loader can open. */
  private static List<String> unsupportedInstalled() {
    List<String> found = new ArrayList<>();
    for (int minor = 10; minor <= 40; minor++) {
      String soname = "libxenlight.so.4." + minor;
      if (LibxlVersion.bySoname(soname).isEmpty() && Library.getCachedInstance(soname, Library.LAZY) != null) {
        found.add(soname);
      }
    }
    return found;
  }

  /**
   * Opens a library by soname with {@code dlopen} and looks up symbols, without binding anything.
   *
   * @param soname the library
   * @param symbols the symbols it must export
   * @return the failure, empty if the library opened and exports every symbol
   */
  public static Optional<Failure> check(String soname, String... symbols) {
    Library library = Library.getCachedInstance(soname, Library.LAZY | Library.GLOBAL);
    if (library == null) {
      return Optional.of(new Failure(soname, String.valueOf(Library.getLastError())));
    }
    List<String> missing = new ArrayList<>();
    for (String symbol : symbols) {
      if (library.getSymbolAddress(symbol) == 0L) {
        missing.add(symbol);
      }
    }
    return missing.isEmpty() ? Optional.empty()
        : Optional.of(new Failure(soname, "undefined symbols " + String.join(", ", missing)));
  }

  private static void fail(Failure failure) {
    throw new NativeLoadException(failure);
  }

  /** Thrown by {@link #load()}; the provider turns it into the API's typed error. */
  public static final class NativeLoadException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** The failure. */
    @SuppressWarnings("serial")
    private final Failure failure;

    NativeLoadException(Failure failure) {
      super(failure.soname() + ": " + failure.reason());
      this.failure = failure;
    }

    /**
     * Returns what failed.
     *
     * @return the failure
     */
    public Failure failure() {
      return failure;
    }
  }
}
