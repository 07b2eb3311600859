package io.github.xlsnap.libxl;

import io.github.xlsnap.libxl.internal.LibxlVersion;
import io.github.xlsnap.libxl.internal.NativeLibraries;
import io.github.xlsnap.libxl.internal.NativeLibraries.NativeLoadException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The provider of the libxl backend: loads libxenlight of a supported version ({@code libxenlight.so.4.17}) and
 * {@code libxentoollog.so.1} lazily, on first use and once per class loader, never in a static
 * initializer; tells whether libxl can be used here; opens {@link LibxlHypervisor}s. Thread-safe.
 */
public final class Libxl {
  private static final Object LOCK = new Object();
  private static @Nullable NativeLibraries natives;
  private static @Nullable LibxlUnavailableException loadFailure;

  private Libxl() {}

  /**
   * Tells whether the libxl backend can run here: the libraries load and export every bound symbol,
   * {@code /dev/xen/privcmd} exists (the host is a Xen dom0) and xenstored listens.
   *
   * @return true if {@link #open()} can be expected to succeed
   */
  public static boolean isAvailable() {
    return unavailableReason().isEmpty();
  }

  /**
   * Says why the libxl backend cannot run here.
   *
   * @return the error {@link #open()} would throw, empty if libxl looks usable
   */
  public static Optional<LibxlUnavailableException> unavailableReason() {
    try {
      natives();
    } catch (LibxlUnavailableException e) {
      return Optional.of(e);
    }
    return HostCheck.diagnose(Path.of("/"), 0, "checked before opening a context");
  }

  /**
   * Opens a libxl context (with its logger and child-process mode) as a {@link LibxlHypervisor}.
   * The caller owns it and closes it.
   *
   * @return the hypervisor
   * @throws LibxlUnavailableException naming the missing library, device or daemon and its package
   * @throws LibxlException if {@code libxl_ctx_alloc} fails for another reason
   */
  public static LibxlHypervisor open() {
    return new LibxlHypervisor(LibxlContext.open(natives(), XtlLog::toSlf4j, Path.of("/")));
  }

  /**
   * As {@link #open()}, with a time limit for each long libxl operation (the
   * {@code libxl_domain_suspend} of {@link LibxlHypervisor#checkpoint}, the domain creation of
   * {@link LibxlHypervisor#restore}): when it passes, the operation is aborted as if the calling
   * thread had been interrupted (see the class documentation of {@link LibxlHypervisor}), and
   * {@link LibxlCancelledException} says that it timed out. The call still returns only once libxl
   * has ended the operation, so it may take somewhat longer than the limit.
   *
   * @param longOperationTimeout the limit, positive
   * @return the hypervisor
   * @throws IllegalArgumentException if the limit is zero or negative
   * @throws LibxlUnavailableException naming the missing library, device or daemon and its package
   * @throws LibxlException if {@code libxl_ctx_alloc} fails for another reason
   */
  public static LibxlHypervisor open(Duration longOperationTimeout) {
    Objects.requireNonNull(longOperationTimeout, "longOperationTimeout");
    if (longOperationTimeout.isZero() || longOperationTimeout.isNegative()) {
      throw new IllegalArgumentException("the timeout must be positive: " + longOperationTimeout);
    }
    return new LibxlHypervisor(LibxlContext.open(natives(), XtlLog::toSlf4j, Path.of("/"), longOperationTimeout));
  }

  /**
   * Loads the libraries, or rethrows why they could not be loaded.
   *
   * @return the bindings
   */
  static NativeLibraries natives() {
    synchronized (LOCK) {
      if (natives != null) {
        return natives;
      }
      if (loadFailure != null) {
        throw loadFailure;
      }
      try {
        natives = NativeLibraries.load();
        return natives;
      } catch (NativeLoadException e) {
        String soname = e.failure().soname();
        loadFailure = new LibxlUnavailableException(soname, debianPackage(soname), 0, e.failure().reason());
        throw loadFailure;
      } catch (UnsatisfiedLinkError e) {
        loadFailure = new LibxlUnavailableException(NativeLibraries.LIBXENLIGHT,
            debianPackage(NativeLibraries.LIBXENLIGHT), 0, String.valueOf(e.getMessage()));
        throw loadFailure;
      } catch (LinkageError | RuntimeException e) {
        // JNR-FFI itself cannot run (a class missing from the class or module path, a denied access):
        // the backend is unavailable, said as such, so that isAvailable() answers rather than throws
        loadFailure = new LibxlUnavailableException("JNR-FFI", "the jnr-ffi jar and its dependencies", 0,
            e.getClass().getSimpleName() + ": " + e.getMessage());
        throw loadFailure;
      }
    }
  }

  /**
   * Names the Debian 12 package that ships a library.
   *
   * @param soname the library
   * @return the package
   */
  static String debianPackage(String soname) {
    return switch (soname) {
      case NativeLibraries.LIBXENTOOLLOG -> "libxentoollog1";
      case NativeLibraries.LIBC -> "libc6";
      default -> LibxlVersion.bySoname(soname).orElse(LibxlVersion.supported().get(0)).debianPackage();
    };
  }
}
