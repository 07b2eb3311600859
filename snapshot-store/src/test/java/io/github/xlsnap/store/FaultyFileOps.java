package io.github.xlsnap.store;

import io.github.xlsnap.store.internal.FileOps;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@link FileOps} that fail chosen calls, counted from {@link #arm}: the N-th write, fsync, rename,
 * delete or directory fsync throws an {@link IOException} instead (a failed fsync after writing the
 * data, as the kernel's would). Records every call, for probing how many a save makes.
 */
final class FaultyFileOps implements FileOps {
  private final List<String> calls = new ArrayList<>();
  private Set<Integer> failing = Set.of();
  private int count;

  /** Counts from zero again and fails the calls of these indexes. */
  synchronized void arm(Integer... indexes) {
    failing = new HashSet<>(List.of(indexes));
    count = 0;
    calls.clear();
  }

  /** Fails nothing from now on; the calls are still recorded. */
  synchronized void disarm() {
    arm();
  }

  /** The calls since {@link #arm}, as {@code <operation> <file name>}. */
  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  private synchronized boolean next(String operation, Path file) {
    calls.add(operation + " " + file.getFileName());
    return failing.contains(count++);
  }

  private static IOException injected(String operation, Path file) {
    return new java.nio.file.FileSystemException(file.toString(), null, "injected failure of " + operation);
  }

  @Override
  public void write(Path file, byte[] content) throws IOException {
    if (next("write", file)) {
      // half the data reached the file
      FileOps.SYSTEM.write(file, java.util.Arrays.copyOf(content, content.length / 2));
      throw injected("write", file);
    }
    FileOps.SYSTEM.write(file, content);
  }

  @Override
  public void sync(Path file) throws IOException {
    if (next("sync", file)) {
      throw injected("fsync", file);
    }
    FileOps.SYSTEM.sync(file);
  }

  @Override
  public void rename(Path source, Path target) throws IOException {
    if (next("rename", target)) {
      throw injected("rename", target);
    }
    FileOps.SYSTEM.rename(source, target);
  }

  @Override
  public boolean delete(Path file) throws IOException {
    if (next("delete", file)) {
      throw injected("delete", file);
    }
    return FileOps.SYSTEM.delete(file);
  }

  @Override
  public void syncDirectory(Path directory) throws IOException {
    if (next("syncDirectory", directory)) {
      throw injected("fsync", directory);
    }
    FileOps.SYSTEM.syncDirectory(directory);
  }
}
