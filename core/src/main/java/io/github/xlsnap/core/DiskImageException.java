package io.github.xlsnap.core;

import java.nio.file.Path;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A disk image operation failed: a {@code qemu-img} command exited non-zero, or an image is not what
 * it must be (wrong format, missing backing file). Carries the image, the command and what the tool
 * printed.
 */
public class DiskImageException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #image()}. */
  private final transient @Nullable Path image;
  /** Returned by {@link #command()}. */
  private final List<String> command;
  /** Returned by {@link #exitCode()}. */
  private final int exitCode;

  /**
   * Creates the exception.
   *
   * @param image the image concerned, or {@code null} if none
   * @param command the command line that failed, empty if no command was run
   * @param exitCode the command's exit code, or -1 if it did not run to its end
   * @param message what failed, with the tool's own words
   * @param cause the underlying failure, or {@code null}
   */
  public DiskImageException(@Nullable Path image, List<String> command, int exitCode, String message,
      @Nullable Throwable cause) {
    super(message, cause);
    this.image = image;
    this.command = List.copyOf(command);
    this.exitCode = exitCode;
  }

  /**
   * Returns the image concerned.
   *
   * @return the image, or {@code null} if the failure concerns no single image
   */
  public @Nullable Path image() {
    return image;
  }

  /**
   * Returns the command line that failed.
   *
   * @return the command and its arguments, empty if no command was run
   */
  public List<String> command() {
    return command;
  }

  /**
   * Returns the command's exit code.
   *
   * @return the exit code, or -1 if the command did not run to its end
   */
  public int exitCode() {
    return exitCode;
  }
}
