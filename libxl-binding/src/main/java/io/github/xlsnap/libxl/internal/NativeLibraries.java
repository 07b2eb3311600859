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
 * @param libxenlight {@code libxenlight.so.4.17}
 * @param xentoollog {@code libxentoollog.so.1}
 * @param libc {@code libc.so.6}
 * @param runtime the JNR runtime the structs are laid out for
 */
public record NativeLibraries(Libxenlight libxenlight, Xentoollog xentoollog, Libc libc, Runtime runtime) {
  /** The soname of libxenlight this binding is written for; it changes with every Xen minor release. */
  public static final String LIBXENLIGHT = "libxenlight.so.4.17";
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
    check(LIBXENLIGHT, Libxenlight.SYMBOLS).ifPresent(NativeLibraries::fail);
    check(LIBC, Libc.SYMBOLS).ifPresent(NativeLibraries::fail);
    Xentoollog xentoollog = LibraryLoader.create(Xentoollog.class).failImmediately().load(LIBXENTOOLLOG);
    Libxenlight libxenlight = LibraryLoader.create(Libxenlight.class).failImmediately().load(LIBXENLIGHT);
    Libc libc = LibraryLoader.create(Libc.class).failImmediately().load(LIBC);
    return new NativeLibraries(libxenlight, xentoollog, libc, Runtime.getRuntime(libxenlight));
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
