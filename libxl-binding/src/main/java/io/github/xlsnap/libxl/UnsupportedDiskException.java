package io.github.xlsnap.libxl;

import io.github.xlsnap.core.HypervisorException;

/**
 * The libxl backend cannot snapshot this disk: names the disk and what it would need. Immutable.
 */
public class UnsupportedDiskException extends HypervisorException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #disk()}. */
  private final String disk;

  /**
   * Creates the exception.
   *
   * @param operation the primitive that refused the disk
   * @param disk the disk's virtual device
   * @param needed what the disk would need, e.g. a qcow2 image on the qdisk backend
   */
  public UnsupportedDiskException(String operation, String disk, String needed) {
    super(operation, 0, "disk " + disk + " is not supported: it would need " + needed, null);
    this.disk = disk;
  }

  /**
   * Returns the disk.
   *
   * @return its virtual device, e.g. {@code xvda}
   */
  public String disk() {
    return disk;
  }
}
