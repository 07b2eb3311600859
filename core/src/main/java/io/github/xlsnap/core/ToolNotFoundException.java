package io.github.xlsnap.core;

/**
 * An external program or native library that an operation needs is not installed. The message names
 * it and the Debian package that provides it (for {@code qemu-img}: {@code qemu-utils}).
 */
public class ToolNotFoundException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #tool()}. */
  private final String tool;
  /** Returned by {@link #debianPackage()}. */
  private final String debianPackage;

  /**
   * Creates the exception.
   *
   * @param tool the missing program or library, e.g. {@code qemu-img}
   * @param debianPackage the Debian package that provides it, e.g. {@code qemu-utils}
   */
  public ToolNotFoundException(String tool, String debianPackage) {
    super(tool + " not found: install the Debian package " + debianPackage
        + " (apt-get install " + debianPackage + ")");
    this.tool = tool;
    this.debianPackage = debianPackage;
  }

  /**
   * Returns the missing program or library.
   *
   * @return its name
   */
  public String tool() {
    return tool;
  }

  /**
   * Returns the Debian package that provides it.
   *
   * @return the package name
   */
  public String debianPackage() {
    return debianPackage;
  }
}
