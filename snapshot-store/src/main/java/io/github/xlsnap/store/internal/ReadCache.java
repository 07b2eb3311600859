package io.github.xlsnap.store.internal;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.DiskSnapshotMode;
import io.github.xlsnap.core.DomainState;
import io.github.xlsnap.core.FileStamp;
import io.github.xlsnap.core.ShutdownReason;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.spi.DomainConfiguration;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32C;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A domain's read cache, {@value #FILE_NAME}: the decoded snapshot records of the domain's
 * {@code snapshotdata-<name>.libxl-json} files, packed into one file with each file's identity (size,
 * modification time in nanoseconds, file key: device and inode) when it was read, so that a cold
 * process reads one file instead of parsing thousands.
 *
 * <p>It is derived data, never the source of truth: a cached record is used only for a file whose
 * identity is unchanged and which was last modified well before the listing that made the cache (at
 * least {@link #RACY_NANOS} earlier; a change within a file system's timestamp granularity of that
 * listing could otherwise keep its old identity, git's "racy clean" case). Any other file is parsed.
 * A cache that is missing, of another format, for another domain, truncated or failing its CRC-32C
 * is ignored. It is written without fsync (a crash can only make it invalid or stale, and both are
 * detected), as a temporary file renamed over the old one, by whoever holds the domain's lock.
 *
 * <p>Format: the ASCII magic {@code "xlsnap read cache\n"}, a version (int, 1), the domain's UUID
 * (two longs), the wall-clock time of the listing in epoch nanoseconds (long), the entry count (int),
 * the entries, and the CRC-32C of everything before it (int). Big-endian; strings as a length (int)
 * and UTF-8; enums by name, never by ordinal. Stateless and thread-safe.
 */
public final class ReadCache {
  /** The cache's file name in a domain directory. */
  public static final String FILE_NAME = "xlsnap-read-cache.bin";
  /**
   * How long before the listing a file must have been modified for its cached record to be used: well
   * above the coarsest timestamp granularity of the file systems the store runs on (FAT's 2 s).
   */
  public static final long RACY_NANOS = TimeUnit.SECONDS.toNanos(3);

  private static final Logger LOG = LoggerFactory.getLogger(ReadCache.class);
  private static final byte[] MAGIC = "xlsnap read cache\n".getBytes(StandardCharsets.US_ASCII);
  private static final int VERSION = 2; // 2: each snapshot's domain configuration

  private ReadCache() {}

  /**
   * What identifies the content of a file without reading it.
   *
   * @param size its size in bytes
   * @param modifiedNanos its modification time, epoch nanoseconds
   * @param key the hash of its file key (device and inode), 0 if the file system has none
   */
  public record FileIdentity(long size, long modifiedNanos, int key) {
    /**
     * The identity of a file from its attributes, read without following links.
     *
     * @param attributes the attributes
     * @return the identity
     */
    public static FileIdentity of(BasicFileAttributes attributes) {
      Object key = attributes.fileKey();
      return new FileIdentity(attributes.size(), attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS),
          key == null ? 0 : key.hashCode());
    }

    boolean sameAs(FileIdentity o) {
      return size == o.size && modifiedNanos == o.modifiedNanos && key == o.key;
    }
  }

  /**
   * A cached record.
   *
   * @param identity its file's identity when it was read
   * @param snapshot the snapshot the file held
   */
  public record Entry(FileIdentity identity, Snapshot snapshot) {}

  /**
   * A cache as read.
   *
   * @param listedAtNanos when the listing that made it began, wall clock, epoch nanoseconds
   * @param entries the records by snapshot name, in the cache's order
   */
  public record Contents(long listedAtNanos, Map<String, Entry> entries) {
    /**
     * Returns the cached snapshots in the cache's order, the order they were written in.
     *
     * @return the snapshots
     */
    public List<Snapshot> snapshots() {
      List<Snapshot> out = new ArrayList<>(entries.size());
      for (Entry e : entries.values()) {
        out.add(e.snapshot());
      }
      return out;
    }

    /**
     * Returns the cached snapshot of a file, if it may be used.
     *
     * @param name the snapshot's name
     * @param now the file's identity now
     * @return the snapshot, or {@code null} if the file must be parsed
     */
    public @Nullable Snapshot usable(String name, FileIdentity now) {
      Entry e = entries.get(name);
      return e != null && e.identity().sameAs(now) && settled(now, listedAtNanos) ? e.snapshot() : null;
    }
  }

  /**
   * Tells whether a file was modified long enough before a listing for its identity to stand for its
   * content.
   *
   * @param identity the file's identity
   * @param listedAtNanos when the listing began, epoch nanoseconds
   * @return true if its record may be cached
   */
  public static boolean settled(FileIdentity identity, long listedAtNanos) {
    return identity.modifiedNanos() < listedAtNanos - RACY_NANOS;
  }

  /**
   * Returns the wall-clock time in epoch nanoseconds, the clock file modification times are taken on.
   *
   * @return now
   */
  public static long nowNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /**
   * Reads a domain's cache.
   *
   * @param dir the domain directory
   * @param domain the domain's UUID
   * @return the cache, empty if there is none or it cannot be used (logged)
   */
  public static Optional<Contents> read(Path dir, UUID domain) {
    Path file = dir.resolve(FILE_NAME);
    byte[] bytes;
    try {
      bytes = DurableFiles.readRegular(file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      LOG.info("ignoring the read cache {}: {}", file, e.toString());
      return Optional.empty();
    }
    try {
      return Optional.of(decode(bytes, domain));
    } catch (RuntimeException e) {
      // any failure to decode (short buffer, bad enum or path, a record a Snapshot refuses) only
      // means the cache cannot be used: the files are read instead
      LOG.info("ignoring the read cache {}: {}", file, e.toString());
      return Optional.empty();
    }
  }

  /**
   * Replaces a domain's cache: a temporary file renamed over it, without fsync.
   *
   * @param dir the domain directory
   * @param domain the domain's UUID
   * @param listedAtNanos when the listing of the files began, epoch nanoseconds
   * @param entries the records of all of the domain's snapshot files, in the order a load returns them
   * @throws IOException if it cannot be written
   */
  public static void write(Path dir, UUID domain, long listedAtNanos, Collection<Entry> entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + entries.size() * 256);
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(MAGIC);
    out.writeInt(VERSION);
    out.writeLong(domain.getMostSignificantBits());
    out.writeLong(domain.getLeastSignificantBits());
    out.writeLong(listedAtNanos);
    out.writeInt(entries.size());
    for (Entry e : entries) {
      encode(out, e);
    }
    out.flush();
    CRC32C crc = new CRC32C();
    byte[] body = bytes.toByteArray();
    crc.update(body);
    out.writeInt((int) crc.getValue());
    out.flush();
    DurableFiles.replaceUnforced(dir.resolve(FILE_NAME), bytes.toByteArray());
  }

  /**
   * Removes a domain's cache, if any.
   *
   * @param dir the domain directory
   * @throws IOException if it cannot be removed
   */
  public static void delete(Path dir) throws IOException {
    Files.deleteIfExists(dir.resolve(FILE_NAME));
  }

  /**
   * Tells whether a domain has a cache file.
   *
   * @param dir the domain directory
   * @return true if one is there
   */
  public static boolean exists(Path dir) {
    return Files.exists(dir.resolve(FILE_NAME), LinkOption.NOFOLLOW_LINKS);
  }

  // ---------------------------------------------------------------------------------------------

  private static void encode(DataOutputStream out, Entry e) throws IOException {
    Snapshot s = e.snapshot();
    writeString(out, s.name());
    out.writeLong(e.identity().size());
    out.writeLong(e.identity().modifiedNanos());
    out.writeInt(e.identity().key());
    writeInstant(out, s.createTime());
    writeString(out, s.description());
    writeOptional(out, s.parent());
    out.writeInt(s.children().size());
    for (String c : s.children()) {
      writeString(out, c);
    }
    DomainState ds = s.domainState();
    out.writeBoolean(ds.running());
    out.writeBoolean(ds.blocked());
    out.writeBoolean(ds.paused());
    out.writeBoolean(ds.dying());
    writeOptional(out, ds.shutdown().map(Enum::name));
    out.writeBoolean(s.live());
    writeOptional(out, s.memoryImage().map(Path::toString));
    writeStamp(out, s.memoryStamp());
    out.writeInt(s.disks().size());
    for (DiskSnapshot d : s.disks()) {
      writeString(out, d.target());
      writeString(out, d.mode().name());
      writeString(out, d.format().name());
      writeOptional(out, d.image().map(Path::toString));
      writeOptional(out, d.tag());
      writeOptional(out, d.overlay().map(Path::toString));
      writeStamp(out, d.imageStamp());
    }
    writeOptional(out, s.configuration().map(DomainConfiguration::backend));
    writeOptional(out, s.configuration().map(DomainConfiguration::content));
  }

  private static Contents decode(byte[] bytes, UUID domain) {
    if (bytes.length < MAGIC.length + 4 + 16 + 8 + 4 + 4
        || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new IllegalArgumentException("not a read cache");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    if ((int) crc.getValue() != in.getInt(bytes.length - 4)) {
      throw new IllegalArgumentException("CRC-32C mismatch");
    }
    in.limit(bytes.length - 4);
    in.position(MAGIC.length);
    int version = in.getInt();
    if (version != VERSION) {
      throw new IllegalArgumentException("version " + version + ", not " + VERSION);
    }
    UUID owner = new UUID(in.getLong(), in.getLong());
    if (!owner.equals(domain)) {
      throw new IllegalArgumentException("made for domain " + owner);
    }
    long listedAt = in.getLong();
    int count = in.getInt();
    if (count < 0 || count > in.remaining()) {
      throw new IllegalArgumentException("bad entry count " + count);
    }
    Map<String, Entry> entries = new LinkedHashMap<>(count * 4 / 3 + 1);
    for (int i = 0; i < count; i++) {
      Entry e = decodeEntry(in);
      if (entries.put(e.snapshot().name(), e) != null) {
        throw new IllegalArgumentException("two entries for " + e.snapshot().name());
      }
    }
    if (in.hasRemaining()) {
      throw new IllegalArgumentException(in.remaining() + " bytes after the entries");
    }
    return new Contents(listedAt, entries);
  }

  private static Entry decodeEntry(ByteBuffer in) {
    String name = readString(in);
    FileIdentity id = new FileIdentity(in.getLong(), in.getLong(), in.getInt());
    Instant created = readInstant(in);
    String description = readString(in);
    Optional<String> parent = readOptional(in);
    int n = count(in);
    List<String> children = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      children.add(readString(in));
    }
    DomainState state = new DomainState(readBoolean(in), readBoolean(in), readBoolean(in), readBoolean(in),
        readOptional(in).map(ShutdownReason::valueOf));
    boolean live = readBoolean(in);
    Optional<Path> memory = readOptional(in).map(Path::of);
    Optional<FileStamp> memoryStamp = readStamp(in);
    int d = count(in);
    List<DiskSnapshot> disks = new ArrayList<>(d);
    for (int i = 0; i < d; i++) {
      String target = readString(in);
      DiskSnapshotMode mode = DiskSnapshotMode.valueOf(readString(in));
      DiskFormat format = DiskFormat.valueOf(readString(in));
      disks.add(new DiskSnapshot(target, mode, format, readOptional(in).map(Path::of), readOptional(in),
          readOptional(in).map(Path::of), readStamp(in)));
    }
    Optional<String> backend = readOptional(in);
    Optional<String> content = readOptional(in);
    Optional<DomainConfiguration> configuration = backend.map(b -> new DomainConfiguration(b, content.orElse("")));
    return new Entry(id, new Snapshot(name, created, description, parent, children, state, live, memory,
        memoryStamp, disks, configuration));
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(ByteBuffer in) {
    int n = count(in);
    String s = new String(in.array(), in.position(), n, StandardCharsets.UTF_8);
    in.position(in.position() + n);
    return s;
  }

  private static int count(ByteBuffer in) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException("bad length " + n);
    }
    return n;
  }

  private static boolean readBoolean(ByteBuffer in) {
    byte b = in.get();
    if (b != 0 && b != 1) {
      throw new IllegalArgumentException("bad boolean " + b);
    }
    return b == 1;
  }

  private static void writeOptional(DataOutputStream out, Optional<String> s) throws IOException {
    out.writeBoolean(s.isPresent());
    if (s.isPresent()) {
      writeString(out, s.get());
    }
  }

  private static Optional<String> readOptional(ByteBuffer in) {
    return readBoolean(in) ? Optional.of(readString(in)) : Optional.empty();
  }

  private static void writeInstant(DataOutputStream out, Instant t) throws IOException {
    out.writeLong(t.getEpochSecond());
    out.writeInt(t.getNano());
  }

  private static Instant readInstant(ByteBuffer in) {
    long seconds = in.getLong();
    int nanos = in.getInt();
    try {
      return Instant.ofEpochSecond(seconds, nanos);
    } catch (java.time.DateTimeException | ArithmeticException e) {
      throw new IllegalArgumentException("bad instant", e);
    }
  }

  private static void writeStamp(DataOutputStream out, Optional<FileStamp> stamp) throws IOException {
    out.writeBoolean(stamp.isPresent());
    if (stamp.isPresent()) {
      out.writeLong(stamp.get().size());
      writeInstant(out, stamp.get().modified());
    }
  }

  private static Optional<FileStamp> readStamp(ByteBuffer in) {
    if (!readBoolean(in)) {
      return Optional.empty();
    }
    long size = in.getLong();
    return Optional.of(new FileStamp(size, readInstant(in)));
  }
}
