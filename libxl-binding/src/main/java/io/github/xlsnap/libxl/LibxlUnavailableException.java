package io.github.xlsnap.libxl;

import io.github.xlsnap.core.HypervisorException;

/**
 * libxl cannot be used on this host: a native library is missing, or the host does not run Xen
 * (no {@code /dev/xen/privcmd}), or xenstored is not running. Names what is missing and the Debian
 * package that provides it. Immutable.
 */
public class LibxlUnavailableException extends HypervisorException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #missing()}. */
  private final String missing;
  /** Returned by {@link #debianPackage()}. */
  private final String debianPackage;

  /**
   * Creates the exception.
   *
   * @param missing what is missing: a library soname, a device file or a daemon
   * @param debianPackage the Debian package that provides it
   * @param code the libxl code when {@code libxl_ctx_alloc} failed, 0 otherwise
   * @param detail what the loader or libxl said
   */
  public LibxlUnavailableException(String missing, String debianPackage, int code, String detail) {
    super("libxl", code, missing + " is missing (Debian package " + debianPackage + "): " + detail, null);
    this.missing = missing;
    this.debianPackage = debianPackage;
  }

  /**
   * Returns what is missing.
   *
   * @return a soname such as {@code libxenlight.so.4.17}, {@code /dev/xen/privcmd} or {@code xenstored}
   */
  public String missing() {
    return missing;
  }

  /**
   * Returns the Debian package that provides what is missing.
   *
   * @return the package name
   */
  public String debianPackage() {
    return debianPackage;
  }
}
