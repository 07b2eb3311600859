package io.github.xlsnap.libxl;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Says why {@code libxl_ctx_alloc} cannot work on a host: no Xen ({@code /dev/xen/privcmd}) or no
 * xenstored (its socket). Paths are relative to a root, so that tests can use a fake one.
 */
final class HostCheck {
  /** The privileged command device of a Xen dom0. */
  static final String PRIVCMD = "/dev/xen/privcmd";
  /** The sockets where xenstored listens, by distribution and version. */
  static final List<String> XENSTORED_SOCKETS = List.of("/run/xenstored/socket", "/var/run/xenstored/socket");

  private HostCheck() {}

  /**
   * Finds what is missing for libxl on the host under {@code root}.
   *
   * @param root the file system root, {@code /} on a real host
   * @param code the code {@code libxl_ctx_alloc} returned, or 0 when checking before it
   * @param detail what libxl logged
   * @return the error to throw, empty if the device and the daemon are there
   */
  static Optional<LibxlUnavailableException> diagnose(Path root, int code, String detail) {
    if (!Files.exists(resolve(root, PRIVCMD))) {
      return Optional.of(new LibxlUnavailableException(PRIVCMD, "xen-system-amd64", code,
          "this host does not run as a Xen dom0 (boot the Xen hypervisor); " + detail));
    }
    boolean xenstored = XENSTORED_SOCKETS.stream().anyMatch(s -> Files.exists(resolve(root, s)));
    if (!xenstored) {
      return Optional.of(new LibxlUnavailableException("xenstored", "xen-utils-4.17", code,
          "no xenstored socket at " + String.join(" or ", XENSTORED_SOCKETS)
              + " (start xencommons); " + detail));
    }
    return Optional.empty();
  }

  private static Path resolve(Path root, String absolute) {
    return root.resolve(absolute.substring(1));
  }
}
