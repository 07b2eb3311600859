package io.github.xlsnap.cfg;

import io.github.xlsnap.core.XlsnapIOException;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A configuration file that cannot be read: missing, a directory, or not readable. The message gives
 * the file system's reason ({@code No such file or directory}, {@code Permission denied},
 * {@code Is a directory}); the {@linkplain #getCause() cause} is the {@link IOException} reported.
 */
public class ConfigFileUnreadableException extends XlsnapIOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param file the configuration file
   * @param cause the error the file system reported
   */
  public ConfigFileUnreadableException(Path file, IOException cause) {
    super("read configuration file", file, cause);
  }
}
