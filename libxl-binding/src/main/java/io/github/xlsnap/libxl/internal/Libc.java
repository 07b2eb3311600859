package io.github.xlsnap.libxl.internal;

import jnr.ffi.Pointer;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/** The few libc functions the binding needs: files for libxl's fds, a FILE for its logger, free. */
public interface Libc {
  /** {@code O_RDONLY}. */
  int O_RDONLY = 0;
  /** {@code O_WRONLY}. */
  int O_WRONLY = 1;
  /** {@code O_TRUNC} (Linux). */
  int O_TRUNC = 01000;
  /** {@code O_CLOEXEC} (Linux x86_64). */
  int O_CLOEXEC = 02000000;
  /** {@code SEEK_SET}. */
  int SEEK_SET = 0;

  /** Every function of this interface, by C name. */
  String[] SYMBOLS = {"open", "close", "read", "write", "lseek", "pipe", "fdopen", "fclose", "calloc", "free"};

  int open(String path, int flags);

  int close(int fd);

  @ssize_t long read(int fd, byte[] buf, @size_t long count);

  @ssize_t long write(int fd, byte[] buf, @size_t long count);

  @off_t long lseek(int fd, @off_t long offset, int whence);

  int pipe(int[] fds);

  Pointer fdopen(int fd, String mode);

  int fclose(Pointer stream);

  Pointer calloc(@size_t long nmemb, @size_t long size);

  void free(Pointer p);
}
