package io.github.xlsnap.core.sim;

import static io.github.xlsnap.core.sim.SimulatedHypervisor.PAGE_SIZE;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;

/**
 * A simulated guest's memory, kept in a file of its size ({@code memory.bin}) and written in place:
 * like RAM it is volatile, so a step is not made crash-safe, only exclusive under the host lock.
 * While a live checkpoint runs, a dirty page log next to it ({@code dirty-pages.bitmap}, one bit per
 * page, page 0 in the lowest bit of byte 0) records the pages guest steps write. Callers hold the
 * host lock.
 */
final class GuestMemory {
  private GuestMemory() {}

  /** Creates (or replaces) a memory file of zeros. */
  static void createZeroed(Path file, long size) throws IOException {
    try (FileChannel memory = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      memory.write(ByteBuffer.allocate(1), size - 1); // sparse: reads as zeros
    }
  }

  static byte[] read(Path file, long offset, int length) throws IOException {
    try (FileChannel memory = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer bytes = ByteBuffer.allocate(length);
      readFully(memory, bytes, offset);
      return bytes.array();
    }
  }

  static void write(Path file, long offset, byte[] data) throws IOException {
    try (FileChannel memory = FileChannel.open(file, StandardOpenOption.WRITE)) {
      writeFully(memory, ByteBuffer.wrap(data), offset);
    }
  }

  /** Reads one page of an open memory file into a page-sized buffer. */
  static void readPage(FileChannel memory, int pageIndex, ByteBuffer page) throws IOException {
    page.clear();
    readFully(memory, page, (long) pageIndex * PAGE_SIZE);
    page.flip();
  }

  /** Writes one page into an open memory file. */
  static void writePage(FileChannel memory, int pageIndex, ByteBuffer page) throws IOException {
    writeFully(memory, page, (long) pageIndex * PAGE_SIZE);
  }

  /** Starts logging dirty pages: a log with no page dirty. */
  static void startDirtyLog(Path log, int pageCount) throws IOException {
    writeDirtyLog(log, new BitSet(), pageCount);
  }

  static void stopDirtyLog(Path log) throws IOException {
    Files.deleteIfExists(log);
  }

  /** Marks the pages a write touches as dirty, if a dirty page log is on. */
  static void markDirty(Path log, long offset, int length, int pageCount) throws IOException {
    if (!Files.exists(log)) {
      return;
    }
    BitSet dirty = readDirtyLog(log);
    dirty.set(Math.toIntExact(offset / PAGE_SIZE), Math.toIntExact((offset + length - 1) / PAGE_SIZE) + 1);
    writeDirtyLog(log, dirty, pageCount);
  }

  static BitSet readDirtyLog(Path log) throws IOException {
    return BitSet.valueOf(Files.readAllBytes(log));
  }

  static void writeDirtyLog(Path log, BitSet dirty, int pageCount) throws IOException {
    byte[] bits = Arrays.copyOf(dirty.toByteArray(), (pageCount + 7) / 8);
    Files.write(log, bits);
  }

  private static void readFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      int read = channel.read(buffer, at);
      if (read < 0) {
        throw new EOFException("memory file ends at " + at + ", before " + (position + buffer.limit()));
      }
      at += read;
    }
  }

  private static void writeFully(FileChannel channel, ByteBuffer buffer, long position) throws IOException {
    long at = position;
    while (buffer.hasRemaining()) {
      at += channel.write(buffer, at);
    }
  }
}
