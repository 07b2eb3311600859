package io.github.xlsnap.core.disk;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads, from a qcow2 image's own bytes, what {@code qemu-img info} reports about it: its virtual size,
 * backing file name and format, and the names of its internal snapshots. Saves a {@code qemu-img}
 * process (some 30 ms) per look.
 *
 * <p>Only plain images are read here: qcow2 version 2 or 3, no encryption, no external data file,
 * no incompatible feature but compression type and extended L2 entries, neither dirty nor corrupt,
 * no header extension but the backing format and the feature name table, a backing file named by a
 * path (no protocol prefix such as {@code nbd:} or {@code json:}), names that are UTF-8 without NUL
 * bytes, and a snapshot table of at most {@link #MAX_SNAPSHOT_TABLE_BYTES}. For anything else
 * {@link #read} answers empty and the caller asks {@code qemu-img}, which knows every case. The
 * header's fields are checked as QEMU 7.2's {@code qcow2_do_open} checks them; one out of range
 * raises {@link Qcow2FormatException} naming the field (the caller then asks {@code qemu-img} too,
 * and reports its error). See {@code docs/interop/qcow2.txt} in QEMU for the format.
 *
 * <p>Reads are bounded by the file's size and by QEMU's own limits (65536 snapshots, 1023-byte
 * backing file names, 1024 bytes of extra data per snapshot), so no input makes it allocate more than
 * about a megabyte.
 */
final class Qcow2Header {
  private static final Logger LOG = LoggerFactory.getLogger(Qcow2Header.class);

  /** The largest snapshot table read here; a larger one is left to qemu-img. */
  static final int MAX_SNAPSHOT_TABLE_BYTES = 1 << 20;

  private static final int MAGIC = 0x514649fb; // "QFI\xfb"
  private static final int V2_HEADER_LENGTH = 72;
  private static final int V3_MIN_HEADER_LENGTH = 104;
  private static final int MIN_CLUSTER_BITS = 9;
  private static final int MAX_CLUSTER_BITS = 21;
  private static final long INCOMPAT_DIRTY = 1;
  private static final long INCOMPAT_CORRUPT = 1 << 1;
  private static final long INCOMPAT_DATA_FILE = 1 << 2;
  private static final long INCOMPAT_COMPRESSION = 1 << 3;
  private static final long INCOMPAT_EXTL2 = 1 << 4;
  private static final long INCOMPAT_KNOWN = INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE
      | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2;
  private static final int EXT_END = 0;
  private static final int EXT_BACKING_FORMAT = 0xe2792aca;
  private static final int EXT_FEATURE_TABLE = 0x6803f857;
  private static final int MAX_BACKING_FORMAT_LENGTH = 15; // QEMU's bs->backing_format[16]
  private static final int MAX_BACKING_FILE_LENGTH = 1023;
  private static final long MAX_L1_BYTES = 32L << 20; // QCOW_MAX_L1_SIZE
  private static final long MAX_REFTABLE_BYTES = 8L << 20; // QCOW_MAX_REFTABLE_SIZE
  private static final int MAX_SNAPSHOTS = 65536; // QCOW_MAX_SNAPSHOTS
  private static final int SNAPSHOT_HEADER_BYTES = 40;
  private static final int MAX_SNAPSHOT_EXTRA_DATA = 1024; // QCOW_MAX_SNAPSHOT_EXTRA_DATA
  private static final int V3_MIN_SNAPSHOT_EXTRA_DATA = 16;
  private static final int SECTOR = 512;

  private Qcow2Header() {}

  /** Random access to an image's bytes. */
  interface Source {
    /**
     * The size of the file.
     *
     * @return its size in bytes
     * @throws IOException if it cannot be read
     */
    long size() throws IOException;

    /**
     * Fills a buffer from a position.
     *
     * @param dst the buffer, filled to its limit
     * @param position the file offset
     * @throws EOFException if the file ends first
     * @throws IOException if it cannot be read
     */
    void readFully(ByteBuffer dst, long position) throws IOException;
  }

  /**
   * What {@code qemu-img info} reports about a plain qcow2 image.
   *
   * @param version 2 or 3
   * @param clusterBits log2 of the cluster size
   * @param virtualSize the size the guest sees, as qemu reports it (whole 512-byte sectors)
   * @param backingFile the backing file name as the image records it; empty if none
   * @param backingFormat the backing file's format as recorded; empty if not
   * @param snapshotNames the internal snapshots' names, in the table's order
   */
  record Metadata(int version, int clusterBits, long virtualSize, Optional<String> backingFile,
      Optional<String> backingFormat, List<String> snapshotNames) {
    Metadata {
      snapshotNames = List.copyOf(snapshotNames);
    }
  }

  /**
   * Reads an image's metadata.
   *
   * @param image the image, for messages
   * @param source its bytes
   * @return the metadata; empty if the file is not a qcow2 image or is not plain (see above)
   * @throws Qcow2FormatException if a field is out of range or runs past the end of the file
   * @throws IOException if the file cannot be read
   */
  static Optional<Metadata> read(Path image, Source source) throws Qcow2FormatException, IOException {
    return new Reader(image, source).read();
  }

  private static final class Reader {
    private final Path image;
    private final Source source;
    private long fileSize;

    Reader(Path image, Source source) {
      this.image = image;
      this.source = source;
    }

    Optional<Metadata> read() throws Qcow2FormatException, IOException {
      fileSize = source.size();
      if (fileSize < 4 || bytes(0, 4, "header.magic").getInt() != MAGIC) {
        return notPlain("not a qcow2 image");
      }
      ByteBuffer h = bytes(0, V2_HEADER_LENGTH, "header");
      int version = h.getInt(4);
      if (version != 2 && version != 3) {
        return notPlain("qcow2 version " + Integer.toUnsignedString(version));
      }
      long backingFileOffset = h.getLong(8);
      long backingFileSize = Integer.toUnsignedLong(h.getInt(16));
      long clusterBitsField = Integer.toUnsignedLong(h.getInt(20));
      long size = h.getLong(24);
      long cryptMethod = Integer.toUnsignedLong(h.getInt(32));
      long l1Size = Integer.toUnsignedLong(h.getInt(36));
      long l1TableOffset = h.getLong(40);
      long refcountTableOffset = h.getLong(48);
      long refcountTableClusters = Integer.toUnsignedLong(h.getInt(56));
      long nbSnapshots = Integer.toUnsignedLong(h.getInt(60));
      long snapshotsOffset = h.getLong(64);

      if (clusterBitsField < MIN_CLUSTER_BITS || clusterBitsField > MAX_CLUSTER_BITS) {
        throw bad("header.cluster_bits", "is " + clusterBitsField + ", not between " + MIN_CLUSTER_BITS + " and "
            + MAX_CLUSTER_BITS);
      }
      int clusterBits = (int) clusterBitsField;
      long clusterSize = 1L << clusterBits;
      long incompatible = 0;
      long headerLength = V2_HEADER_LENGTH;
      int compressionType = 0;
      if (version == 3) {
        ByteBuffer v3 = bytes(V2_HEADER_LENGTH, V3_MIN_HEADER_LENGTH - V2_HEADER_LENGTH, "header");
        incompatible = v3.getLong(0);
        long refcountOrder = Integer.toUnsignedLong(v3.getInt(96 - V2_HEADER_LENGTH));
        headerLength = Integer.toUnsignedLong(v3.getInt(100 - V2_HEADER_LENGTH));
        if (headerLength < V3_MIN_HEADER_LENGTH) {
          throw bad("header.header_length", "is " + headerLength + ", less than " + V3_MIN_HEADER_LENGTH);
        }
        if (refcountOrder > 6) {
          throw bad("header.refcount_order", "is " + refcountOrder + ", more than 6");
        }
        if (headerLength > V3_MIN_HEADER_LENGTH && headerLength <= clusterSize) {
          compressionType = bytes(V3_MIN_HEADER_LENGTH, 1, "header.compression_type").get(0) & 0xff;
        }
      }
      if (headerLength > clusterSize) {
        throw bad("header.header_length", "is " + headerLength + ", more than the cluster size " + clusterSize);
      }
      if (Long.compareUnsigned(backingFileOffset, clusterSize) > 0) {
        throw bad("header.backing_file_offset", "is " + Long.toUnsignedString(backingFileOffset)
            + ", past the first cluster (" + clusterSize + " bytes)");
      }
      if ((incompatible & ~INCOMPAT_KNOWN) != 0) {
        return notPlain("unknown incompatible features 0x" + Long.toHexString(incompatible & ~INCOMPAT_KNOWN));
      }
      if ((incompatible & (INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE)) != 0) {
        return notPlain("incompatible features 0x" + Long.toHexString(incompatible)
            + " (dirty, corrupt or an external data file)");
      }
      boolean compressionBit = (incompatible & INCOMPAT_COMPRESSION) != 0;
      if (compressionBit != (compressionType != 0)) {
        return notPlain("compression type " + compressionType + " with the compression type feature "
            + (compressionBit ? "set" : "clear"));
      }
      boolean extendedL2 = (incompatible & INCOMPAT_EXTL2) != 0;
      if (extendedL2 && clusterBits < 14) {
        return notPlain("extended L2 entries with clusters of " + clusterSize + " bytes");
      }
      if (cryptMethod != 0) {
        return notPlain("encrypted (method " + cryptMethod + ")");
      }
      if (size < 0) {
        throw bad("header.size", "is " + Long.toUnsignedString(size) + ", more than 2^63 - 1");
      }
      int l2Bits = clusterBits - (extendedL2 ? 4 : 3);
      long l1Needed = (size >>> (clusterBits + l2Bits)) + ((size & ((1L << (clusterBits + l2Bits)) - 1)) == 0 ? 0 : 1);
      if (l1Needed > Integer.MAX_VALUE) {
        throw bad("header.size", "is " + size + ", too big for an L1 table");
      }
      if (l1Size > MAX_L1_BYTES / 8) {
        throw bad("header.l1_size", "is " + l1Size + ", more than " + MAX_L1_BYTES / 8 + " entries");
      }
      if (l1Size < l1Needed) {
        throw bad("header.l1_size", "is " + l1Size + ", less than the " + l1Needed + " entries the size needs");
      }
      checkTable("header.l1_table_offset", l1TableOffset, l1Size, 8, clusterSize);
      if (refcountTableClusters > (MAX_REFTABLE_BYTES >> clusterBits)) {
        throw bad("header.refcount_table_clusters", "is " + refcountTableClusters + ", more than "
            + (MAX_REFTABLE_BYTES >> clusterBits));
      }
      if (refcountTableClusters == 0) {
        throw bad("header.refcount_table_clusters", "is 0: the image has no reference count table");
      }
      checkTable("header.refcount_table_offset", refcountTableOffset, refcountTableClusters, clusterSize,
          clusterSize);
      if (nbSnapshots > MAX_SNAPSHOTS) {
        throw bad("header.nb_snapshots", "is " + nbSnapshots + ", more than " + MAX_SNAPSHOTS);
      }
      checkTable("header.snapshots_offset", snapshotsOffset, nbSnapshots, SNAPSHOT_HEADER_BYTES, clusterSize);

      long extensionsEnd = backingFileOffset != 0 ? backingFileOffset : clusterSize;
      Optional<String> backingFormat = Optional.empty();
      long offset = headerLength;
      boolean ended = false;
      while (offset < extensionsEnd && !ended) {
        ByteBuffer ext = bytes(offset, 8, "header extension at " + offset);
        int type = ext.getInt(0);
        long length = Integer.toUnsignedLong(ext.getInt(4));
        offset += 8;
        if (offset > extensionsEnd || length > extensionsEnd - offset) {
          throw bad("header extension at " + (offset - 8), "its " + length + " bytes run past byte "
              + extensionsEnd + ", where the extensions end");
        }
        switch (type) {
          case EXT_END -> ended = true;
          case EXT_BACKING_FORMAT -> {
            if (length > MAX_BACKING_FORMAT_LENGTH) {
              throw bad("backing file format extension", "is " + length + " bytes, more than "
                  + MAX_BACKING_FORMAT_LENGTH);
            }
            Optional<String> name = text(bytes(offset, (int) length, "backing file format extension"));
            if (name.isEmpty()) {
              return notPlain("a backing file format that is not UTF-8 text without NUL bytes");
            }
            backingFormat = name.filter(n -> !n.isEmpty());
          }
          case EXT_FEATURE_TABLE -> {
            // names of feature bits, for messages only
          }
          default -> {
            return notPlain("header extension 0x" + Integer.toHexString(type));
          }
        }
        offset += (length + 7) & ~7L;
      }

      Optional<String> backingFile = Optional.empty();
      if (backingFileOffset != 0) {
        if (backingFileSize > Math.min(MAX_BACKING_FILE_LENGTH, clusterSize - backingFileOffset)) {
          throw bad("header.backing_file_size", "is " + backingFileSize + ", more than "
              + Math.min(MAX_BACKING_FILE_LENGTH, clusterSize - backingFileOffset));
        }
        if (backingFileSize == 0) {
          return notPlain("an empty backing file name");
        }
        Optional<String> name = text(bytes(backingFileOffset, (int) backingFileSize, "backing file name"));
        if (name.isEmpty()) {
          return notPlain("a backing file name that is not UTF-8 text without NUL bytes");
        }
        if (hasProtocol(name.get())) {
          return notPlain("a backing file name with a protocol prefix");
        }
        backingFile = name;
      } else if (backingFormat.isPresent()) {
        backingFormat = Optional.empty(); // qemu reports a backing format only with a backing file
      }

      List<String> names = new ArrayList<>();
      long position = snapshotsOffset;
      for (long i = 0; i < nbSnapshots; i++) {
        position = (position + 7) & ~7L;
        String entry = "snapshot table entry " + i;
        if (position - snapshotsOffset + SNAPSHOT_HEADER_BYTES > MAX_SNAPSHOT_TABLE_BYTES) {
          return notPlain("a snapshot table of more than " + MAX_SNAPSHOT_TABLE_BYTES + " bytes");
        }
        ByteBuffer sh = bytes(position, SNAPSHOT_HEADER_BYTES, entry);
        int idSize = sh.getShort(12) & 0xffff;
        int nameSize = sh.getShort(14) & 0xffff;
        long extraSize = Integer.toUnsignedLong(sh.getInt(36));
        if (extraSize > MAX_SNAPSHOT_EXTRA_DATA) {
          throw bad(entry + ".extra_data_size", "is " + extraSize + ", more than " + MAX_SNAPSHOT_EXTRA_DATA);
        }
        if (version == 3 && extraSize < V3_MIN_SNAPSHOT_EXTRA_DATA) {
          return notPlain(entry + " has " + extraSize + " bytes of extra data, less than version 3 requires");
        }
        position += SNAPSHOT_HEADER_BYTES + extraSize + idSize;
        if (position - snapshotsOffset + nameSize > MAX_SNAPSHOT_TABLE_BYTES) {
          return notPlain("a snapshot table of more than " + MAX_SNAPSHOT_TABLE_BYTES + " bytes");
        }
        Optional<String> name = text(bytes(position, nameSize, entry + ".name"));
        if (name.isEmpty()) {
          return notPlain(entry + " has a name that is not UTF-8 text without NUL bytes");
        }
        names.add(name.get());
        position += nameSize;
      }
      return Optional.of(new Metadata(version, clusterBits, size / SECTOR * SECTOR, backingFile, backingFormat,
          names));
    }

    /** Checks a table's place as QEMU's {@code validate_table_offset} does. */
    private void checkTable(String field, long offset, long entries, long entryBytes, long clusterSize)
        throws Qcow2FormatException {
      if (entries > Long.MAX_VALUE / entryBytes) {
        throw bad(field, "the table of " + entries + " entries is too large");
      }
      long bytes = entries * entryBytes;
      if (offset < 0 || Long.MAX_VALUE - bytes < offset) {
        throw bad(field, "is " + Long.toUnsignedString(offset) + ": the table would end past 2^63 - 1");
      }
      if ((offset & (clusterSize - 1)) != 0) {
        throw bad(field, "is " + offset + ", not a multiple of the cluster size " + clusterSize);
      }
    }

    /** Reads a range that must lie within the file. */
    private ByteBuffer bytes(long position, int length, String field) throws Qcow2FormatException, IOException {
      if (position < 0 || length < 0 || position > fileSize || length > fileSize - position) {
        throw bad(field, length + " bytes at offset " + Long.toUnsignedString(position)
            + " run past the end of the file (" + fileSize + " bytes)");
      }
      ByteBuffer b = ByteBuffer.allocate(length);
      try {
        source.readFully(b, position);
      } catch (EOFException e) {
        throw bad(field, length + " bytes at offset " + position + " run past the end of the file, which shrank");
      }
      return b.flip();
    }

    private Qcow2FormatException bad(String field, String problem) {
      return new Qcow2FormatException(image, field, problem);
    }

    private Optional<Metadata> notPlain(String why) {
      LOG.debug("{}: {}; left to qemu-img", image, why);
      return Optional.empty();
    }
  }

  /** Strict UTF-8 without NUL bytes (QEMU reads names as C strings); empty otherwise. */
  private static Optional<String> text(ByteBuffer bytes) {
    for (int i = bytes.position(); i < bytes.limit(); i++) {
      if (bytes.get(i) == 0) {
        return Optional.empty();
      }
    }
    try {
      return Optional.of(StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(bytes).toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  /** QEMU's {@code path_has_protocol}: a colon before the first slash. */
  static boolean hasProtocol(String name) {
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '/') {
        return false;
      }
      if (c == ':') {
        return true;
      }
    }
    return false;
  }
}
