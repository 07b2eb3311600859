package io.github.xlsnap.core;

/**
 * A request cannot be carried out as written: an invalid snapshot name, a disk that the domain does
 * not have, an internal snapshot of a disk that is not qcow2, a relative or already existing path.
 * The message names the field and the value. Nothing was changed.
 */
public class InvalidSnapshotSpecException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #field()}. */
  private final String field;

  /**
   * Creates the exception.
   *
   * @param field the field that is wrong, e.g. {@code name} or {@code disks[xvda].path}
   * @param message what is wrong with it
   */
  public InvalidSnapshotSpecException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /**
   * Returns the field that is wrong.
   *
   * @return the field, e.g. {@code name} or {@code disks[xvda].path}
   */
  public String field() {
    return field;
  }
}
