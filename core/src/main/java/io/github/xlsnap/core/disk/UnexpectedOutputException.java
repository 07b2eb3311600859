package io.github.xlsnap.core.disk;

/**
 * A tool printed something other than what xlsnap expects: invalid JSON, JSON without a field it
 * must have, or a qemu-io report that does not confirm the operation. {@link QemuImg} turns it into
 * a {@link io.github.xlsnap.core.DiskImageException} naming the image and the command.
 */
final class UnexpectedOutputException extends Exception {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param problem what is wrong, and where
   */
  UnexpectedOutputException(String problem) {
    super(problem);
  }
}
