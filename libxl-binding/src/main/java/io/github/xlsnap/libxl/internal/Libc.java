package io.github.xlsnap.libxl.internal;

import jnr.ffi.Pointer;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The few libc functions the binding needs: files for libxl's fds, a FILE for its logger, free, and
 * the close-on-exec flag of descriptors ({@code pipe2}, {@code fcntl}).
 */
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
  /** {@code SEEK_CUR}. */
  int SEEK_CUR = 1;
  /** {@code F_GETFD}: read a descriptor's flags. */
  int F_GETFD = 1;
  /** {@code F_SETFD}: set a descriptor's flags. */
  int F_SETFD = 2;
  /** {@code FD_CLOEXEC}: the descriptor flag "close on exec". */
  int FD_CLOEXEC = 1;

  /** {@code SOL_SOCKET}. */
  int SOL_SOCKET = 1;
  /** {@code SO_ACCEPTCONN}: whether a socket listens. */
  int SO_ACCEPTCONN = 30;
  /** {@code AF_UNIX}. */
  int AF_UNIX = 1;
  /** The size of {@code struct sockaddr_un}: {@code sun_family} (2 bytes), then {@code sun_path[108]}. */
  int SOCKADDR_UN_SIZE = 110;

  /** Every function of this interface, by C name. */
  String[] SYMBOLS = {"open", "close", "read", "write", "lseek", "pipe", "pipe2", "fcntl", "fdopen", "fclose",
    "calloc", "free", "opendir", "readdir", "closedir", "getsockname", "getsockopt"};

  int open(String path, int flags);

  int close(int fd);

  @ssize_t long read(int fd, byte[] buf, @size_t long count);

  @ssize_t long write(int fd, byte[] buf, @size_t long count);

  @off_t long lseek(int fd, @off_t long offset, int whence);

  int pipe(int[] fds);

  /** {@code pipe2(fds, flags)}, e.g. with {@link #O_CLOEXEC}. */
  int pipe2(int[] fds, int flags);

  /** {@code fcntl(fd, cmd, arg)} with an int argument ({@link #F_GETFD} ignores it). */
  int fcntl(int fd, int cmd, int arg);

  Pointer fdopen(int fd, String mode);

  int fclose(Pointer stream);

  Pointer calloc(@size_t long nmemb, @size_t long size);

  /** {@code opendir(name)}: glibc opens the directory with {@code O_CLOEXEC}; null on failure. */
  Pointer opendir(String name);

  /**
   * {@code readdir(dir)}: the next entry, a {@code struct dirent} whose name starts at
   * {@link #DIRENT_NAME_OFFSET}; null at the end or on an error.
   */
  Pointer readdir(Pointer dir);

  /** {@code closedir(dir)}. */
  int closedir(Pointer dir);

  /**
   * The offset of {@code d_name} in glibc's {@code struct dirent} on 64-bit Linux ({@code d_ino} 8 bytes,
   * {@code d_off} 8, {@code d_reclen} 2, {@code d_type} 1).
   */
  int DIRENT_NAME_OFFSET = 19;

  void free(Pointer p);

  /**
   * {@code getsockname(fd, addr, addrlen)}: the address a socket is bound to; {@code addrlen[0]} holds the
   * buffer's size on the way in and the address's on the way out. -1 if {@code fd} is not a socket.
   */
  int getsockname(int fd, byte[] addr, int[] addrlen);

  /** {@code getsockopt(fd, level, optname, optval, optlen)} with an int option. */
  int getsockopt(int fd, int level, int optname, int[] optval, int[] optlen);
}
