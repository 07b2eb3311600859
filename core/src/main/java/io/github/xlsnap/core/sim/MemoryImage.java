package io.github.xlsnap.core.sim;

import static io.github.xlsnap.core.sim.SimulatedHypervisor.PAGE_SIZE;

import com.google.common.io.CountingInputStream;
import io.github.xlsnap.core.HypervisorException;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;
import java.util.zip.CheckedInputStream;
import java.util.zip.CheckedOutputStream;

/**
 * Writes and reads the simulated host's memory images, in the format (version {@value #VERSION})
 * that the {@linkplain io.github.xlsnap.core.sim package description} specifies.
 */
final class MemoryImage {
  static final int VERSION = 1;

  private static final byte[] MAGIC = "XLSIMMEM".getBytes(StandardCharsets.US_ASCII);
  private static final long END_MARKER = -1L;
  private static final int HEADER_BYTES = MAGIC.length + 4 + 4 + 16 + 8;
  private static final int RECORD_BYTES = 8 + PAGE_SIZE;
  private static final int TRAILER_BYTES = 8 + 8 + 4;
  private static final int BUFFER_BYTES = 1 << 16;

  private MemoryImage() {}

  /** Receives the pages of an image being replayed. */
  @FunctionalInterface
  interface PageSink {
    /**
     * Takes one page record.
     *
     * @param pageIndex the page
     * @param page its content, {@value SimulatedHypervisor#PAGE_SIZE} bytes
     */
    void accept(int pageIndex, ByteBuffer page) throws IOException;
  }

  /** Writes one image: the header on creation, then pages, then the trailer on {@link #finish}. */
  static final class Writer implements Closeable {
    private final FileChannel channel;
    private final CRC32C checksum = new CRC32C();
    private final DataOutputStream out;
    private final BufferedOutputStream unchecked;
    private long records;

    private Writer(FileChannel channel) {
      this.channel = channel;
      this.unchecked = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES);
      this.out = new DataOutputStream(new CheckedOutputStream(unchecked, checksum));
    }

    /**
     * Truncates an existing file, keeping its permissions, and writes the header.
     *
     * @param file the image file, which must exist
     * @param uuid the domain's UUID
     * @param memoryBytes the domain's memory size
     */
    static Writer create(Path file, UUID uuid, long memoryBytes) throws IOException {
      FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
      Writer writer = new Writer(channel);
      try {
        writer.out.write(MAGIC);
        writer.out.writeInt(VERSION);
        writer.out.writeInt(PAGE_SIZE);
        writer.out.writeLong(uuid.getMostSignificantBits());
        writer.out.writeLong(uuid.getLeastSignificantBits());
        writer.out.writeLong(memoryBytes);
      } catch (IOException | RuntimeException e) {
        writer.close();
        throw e;
      }
      return writer;
    }

    void writePage(int pageIndex, ByteBuffer page) throws IOException {
      out.writeLong(pageIndex);
      out.write(page.array(), page.arrayOffset() + page.position(), page.remaining());
      records++;
    }

    /**
     * Forces the pages written so far to disk, so that {@link #finish} has only what follows to
     * force: a live checkpoint calls it after its pre-copy rounds, while the guest still runs, so
     * that the final stop does not wait for the whole image to reach the disk.
     */
    void sync() throws IOException {
      out.flush();
      channel.force(false);
    }

    /**
     * Writes the trailer and forces the image to disk.
     *
     * @return the image's size in bytes
     */
    long finish() throws IOException {
      out.writeLong(END_MARKER);
      out.writeLong(records);
      out.flush();
      new DataOutputStream(unchecked).writeInt((int) checksum.getValue());
      unchecked.flush();
      channel.force(true);
      return HEADER_BYTES + records * RECORD_BYTES + TRAILER_BYTES;
    }

    @Override
    public void close() throws IOException {
      channel.close();
    }
  }

  /**
   * Reads an image, checking it against the domain it is restored as, and hands each page record to
   * a sink in order.
   *
   * @param file the image
   * @param uuid the domain's UUID
   * @param memoryBytes the domain's memory size
   * @param sink takes the pages
   * @param position set to the bytes read from the file so far, after each record
   * @throws HypervisorException naming the file and what is wrong with it
   */
  static void replay(Path file, UUID uuid, long memoryBytes, PageSink sink, AtomicLong position) {
    CRC32C checksum = new CRC32C();
    try (CountingInputStream counted = new CountingInputStream(Files.newInputStream(file));
        InputStream raw = new BufferedInputStream(counted, BUFFER_BYTES);
        DataInputStream in = new DataInputStream(new CheckedInputStream(raw, checksum))) {
      readHeader(file, in, uuid, memoryBytes);
      int pageCount = Math.toIntExact(memoryBytes / PAGE_SIZE);
      BitSet seen = new BitSet(pageCount);
      ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
      long records = 0;
      for (long index = in.readLong(); index != END_MARKER; index = in.readLong()) {
        if (index < 0 || index >= pageCount) {
          throw invalid(file, "page record " + records + " has index " + index + ", outside the "
              + pageCount + " pages");
        }
        page.clear();
        in.readFully(page.array());
        sink.accept((int) index, page);
        seen.set((int) index);
        records++;
        position.set(counted.getCount());
      }
      long recordCount = in.readLong();
      long expectedChecksum = checksum.getValue();
      int storedChecksum = new DataInputStream(raw).readInt();
      if (recordCount != records) {
        throw invalid(file, "has " + records + " page records but its trailer counts " + recordCount);
      }
      if (storedChecksum != (int) expectedChecksum) {
        throw invalid(file, "is corrupt: checksum mismatch");
      }
      if (raw.read() != -1) {
        throw invalid(file, "has data after its trailer");
      }
      if (seen.cardinality() != pageCount) {
        throw invalid(file, "is incomplete: page " + seen.nextClearBit(0) + " is missing");
      }
      position.set(counted.getCount());
    } catch (EOFException e) {
      throw invalid(file, "is truncated");
    } catch (IOException e) {
      throw new HypervisorException("restore", 0, "cannot read memory image " + file + ": " + e, e);
    }
  }

  private static void readHeader(Path file, DataInputStream in, UUID uuid, long memoryBytes) throws IOException {
    byte[] magic = new byte[MAGIC.length];
    in.readFully(magic);
    if (!Arrays.equals(magic, MAGIC)) {
      throw invalid(file, "is not a memory image of the simulated host (bad magic)");
    }
    int version = in.readInt();
    if (version != VERSION) {
      throw invalid(file, "has format version " + version + ", not the supported " + VERSION);
    }
    int pageSize = in.readInt();
    if (pageSize != PAGE_SIZE) {
      throw invalid(file, "has page size " + pageSize + ", not " + PAGE_SIZE);
    }
    UUID imageUuid = new UUID(in.readLong(), in.readLong());
    if (!imageUuid.equals(uuid)) {
      throw invalid(file, "belongs to domain " + imageUuid + ", not " + uuid);
    }
    long imageMemory = in.readLong();
    if (imageMemory != memoryBytes) {
      throw invalid(file, "holds " + imageMemory + " bytes of memory, but the domain has " + memoryBytes);
    }
  }

  private static HypervisorException invalid(Path file, String what) {
    return new HypervisorException("restore", 0, "memory image " + file + " " + what, null);
  }
}
