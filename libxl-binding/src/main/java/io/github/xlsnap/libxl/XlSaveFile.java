package io.github.xlsnap.libxl;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.HypervisorException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The header of a memory image in {@code xl save}'s own format ({@code tools/xl/xl.h}): a 32-byte
 * magic, the byte order {@code 0x01020304}, mandatory and optional flags, and optional data holding
 * the domain's JSON configuration; the libxl migration stream follows. xlsnap writes its images in
 * this format, so {@code xl restore} reads them, and it reads {@code xl save} files. Immutable.
 */
public final class XlSaveFile {
  /** {@code XL_MANDATORY_FLAG_JSON}: the configuration is libxl JSON. */
  public static final int MANDATORY_FLAG_JSON = 1;
  /** {@code XL_MANDATORY_FLAG_STREAMv2}: the libxl stream is version 2. */
  public static final int MANDATORY_FLAG_STREAM_V2 = 2;

  private static final byte[] MAGIC = "Xen saved domain, xl format\n \0 \r".getBytes(StandardCharsets.ISO_8859_1);
  private static final int BYTE_ORDER = 0x01020304;
  private static final int HEADER_SIZE = 48;
  private static final int MAX_OPTIONAL_DATA = 64 << 20;

  private final int mandatoryFlags;
  private final int optionalFlags;
  private final Optional<String> configuration;
  private final long streamOffset;

  private XlSaveFile(int mandatoryFlags, int optionalFlags, Optional<String> configuration, long streamOffset) {
    this.mandatoryFlags = mandatoryFlags;
    this.optionalFlags = optionalFlags;
    this.configuration = configuration;
    this.streamOffset = streamOffset;
  }

  /**
   * Returns the header {@code xl save} writes for a configuration: flags JSON and STREAMv2, the
   * optional data being the configuration's length and its bytes with a trailing NUL.
   *
   * @param configurationJson the domain's libxl JSON configuration
   * @return the bytes that precede the libxl stream
   */
  static byte[] header(String configurationJson) {
    byte[] config = (configurationJson + "\0").getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(HEADER_SIZE + 4 + config.length).order(ByteOrder.nativeOrder());
    b.put(MAGIC).putInt(BYTE_ORDER).putInt(MANDATORY_FLAG_JSON | MANDATORY_FLAG_STREAM_V2).putInt(0)
        .putInt(4 + config.length).putInt(config.length).put(config);
    return b.array();
  }

  /**
   * Reads the header of a save file, as {@code xl restore} does.
   *
   * @param file an {@code xl save} or xlsnap memory image
   * @return the header
   * @throws HypervisorException if the file cannot be read, has the wrong magic or byte order,
   *     mandatory flags this version does not know, or is truncated
   */
  public static XlSaveFile read(Path file) {
    requireNonNull(file, "file");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(HEADER_SIZE);
      if (head.length < HEADER_SIZE || !Arrays.equals(Arrays.copyOf(head, MAGIC.length), MAGIC)) {
        throw bad(file, "wrong magic number: not an xl save file");
      }
      ByteBuffer b = ByteBuffer.wrap(head, MAGIC.length, HEADER_SIZE - MAGIC.length).order(ByteOrder.nativeOrder());
      if (b.getInt() != BYTE_ORDER) {
        throw bad(file, "written with another byte order");
      }
      int mandatory = b.getInt();
      int optional = b.getInt();
      int optionalLength = b.getInt();
      if ((mandatory & ~(MANDATORY_FLAG_JSON | MANDATORY_FLAG_STREAM_V2)) != 0) {
        throw bad(file, "unknown mandatory flags 0x" + Integer.toHexString(mandatory));
      }
      if (optionalLength < 0 || optionalLength > MAX_OPTIONAL_DATA) {
        throw bad(file, "optional data length " + Integer.toUnsignedString(optionalLength) + " out of range");
      }
      byte[] data = in.readNBytes(optionalLength);
      if (data.length < optionalLength) {
        throw bad(file, "truncated");
      }
      Optional<String> config = Optional.empty();
      if (optionalLength >= 4) {
        int configLength = ByteBuffer.wrap(data, 0, 4).order(ByteOrder.nativeOrder()).getInt();
        if (configLength < 0 || configLength > optionalLength - 4) {
          throw bad(file, "truncated");
        }
        int end = configLength;
        while (end > 0 && data[4 + end - 1] == 0) {
          end--;
        }
        if (configLength > 0) {
          config = Optional.of(new String(data, 4, end, StandardCharsets.UTF_8));
        }
      }
      return new XlSaveFile(mandatory, optional, config, HEADER_SIZE + (long) optionalLength);
    } catch (IOException e) {
      throw new HypervisorException("read save file", 0, "cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  private static HypervisorException bad(Path file, String why) {
    return new HypervisorException("read save file", 0, file + ": " + why, null);
  }

  /**
   * Returns the mandatory flags.
   *
   * @return a combination of {@link #MANDATORY_FLAG_JSON} and {@link #MANDATORY_FLAG_STREAM_V2}
   */
  public int mandatoryFlags() {
    return mandatoryFlags;
  }

  /**
   * Returns the optional flags.
   *
   * @return the flags, 0 in files xl writes
   */
  public int optionalFlags() {
    return optionalFlags;
  }

  /**
   * Returns the embedded configuration: libxl JSON when {@link #MANDATORY_FLAG_JSON} is set, xl's
   * cfg syntax otherwise.
   *
   * @return the configuration without its trailing NUL, empty if the file has none
   */
  public Optional<String> configuration() {
    return configuration;
  }

  /**
   * Tells whether the embedded configuration is libxl JSON.
   *
   * @return true if {@link #MANDATORY_FLAG_JSON} is set
   */
  public boolean configurationIsJson() {
    return (mandatoryFlags & MANDATORY_FLAG_JSON) != 0;
  }

  /**
   * Returns the libxl stream version, as {@code xl restore} passes it to libxl.
   *
   * @return 2 if {@link #MANDATORY_FLAG_STREAM_V2} is set, 1 otherwise
   */
  public int streamVersion() {
    return (mandatoryFlags & MANDATORY_FLAG_STREAM_V2) != 0 ? 2 : 1;
  }

  /**
   * Returns where the libxl stream starts.
   *
   * @return the byte offset after the header and optional data
   */
  public long streamOffset() {
    return streamOffset;
  }
}
