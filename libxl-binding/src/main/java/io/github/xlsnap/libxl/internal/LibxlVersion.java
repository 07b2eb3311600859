package io.github.xlsnap.libxl.internal;

import java.util.List;
import java.util.Optional;

/**
 * The libxenlight versions this binding supports, and the one place that knows, per version, the
 * library's soname, the Debian package that ships it, and the size of every libxl struct xlsnap
 * allocates, fills or reads ({@link Layout}). libxl changes its soname with every Xen minor release
 * and may change struct layouts with it, so a version is supported only once its layouts have been
 * checked against that version's {@code libxl.h}.
 *
 * <p><b>Adding a version</b> (for example 4.18): install that version's headers (Debian's
 * {@code libxen-dev}), add a constant here with its soname, package and the sizes that
 * {@code src/test/c/libxl_layout.c} prints, and run {@code LibxlStructLayoutTest}, which compiles
 * that program against the installed {@code libxl.h} and checks the constant whose soname matches the
 * installed library, field by field for the structs the binding declares in this package. Where a
 * struct's fields moved, the binding needs that version's struct class, chosen by the version;
 * where only the opaque {@code libxl_domain_config} grew, its size here suffices. Then run the
 * real-xen stage on that Xen. Versions are tried newest first when the libraries are loaded.
 */
public enum LibxlVersion {
  /** Xen 4.17 (Debian 12), x86_64: checked against its {@code libxl.h} on every build. */
  XEN_4_17("4.17", "libxenlight.so.4.17", "libxenmisc4.17", new Layout(1288, 120, 144, 24, 24, 16, 208));

  /**
   * The sizes, in bytes on x86_64, of the libxl structs the binding allocates or reads.
   *
   * @param domainConfig {@code libxl_domain_config}, which the binding keeps opaque
   * @param dominfo {@code libxl_dominfo}
   * @param deviceDisk {@code libxl_device_disk}
   * @param domainRestoreParams {@code libxl_domain_restore_params}
   * @param childprocHooks {@code libxl_childproc_hooks}
   * @param asyncopHow {@code libxl_asyncop_how}
   * @param event {@code libxl_event}
   */
  public record Layout(int domainConfig, int dominfo, int deviceDisk, int domainRestoreParams, int childprocHooks,
      int asyncopHow, int event) {}

  /** How far beyond a struct's size a buffer libxl writes is guarded (see {@code StructBuffer}). */
  public static final int GUARD_BYTES = 4096;

  private final String version;
  private final String soname;
  private final String debianPackage;
  private final Layout layout;

  LibxlVersion(String version, String soname, String debianPackage, Layout layout) {
    this.version = version;
    this.soname = soname;
    this.debianPackage = debianPackage;
    this.layout = layout;
  }

  /** The Xen version, such as {@code 4.17}. */
  public String version() {
    return version;
  }

  /** The soname of its libxenlight, such as {@code libxenlight.so.4.17}. */
  public String soname() {
    return soname;
  }

  /** The Debian package that ships that library. */
  public String debianPackage() {
    return debianPackage;
  }

  /** The sizes of its structs on x86_64. */
  public Layout layout() {
    return layout;
  }

  /** The supported versions, newest first: the order in which their libraries are tried. */
  public static List<LibxlVersion> supported() {
    List<LibxlVersion> newestFirst = new java.util.ArrayList<>(List.of(values()));
    java.util.Collections.reverse(newestFirst);
    return List.copyOf(newestFirst);
  }

  /**
   * The supported version whose libxenlight has this soname.
   *
   * @param soname a soname such as {@code libxenlight.so.4.17}
   * @return the version, empty if none has that soname
   */
  public static Optional<LibxlVersion> bySoname(String soname) {
    return supported().stream().filter(v -> v.soname.equals(soname)).findFirst();
  }

  /** The supported versions as text, for messages: {@code 4.17}, or {@code 4.17, 4.18}. */
  public static String supportedText() {
    return String.join(", ", List.of(values()).stream().map(LibxlVersion::version).toList());
  }
}
