package io.github.xlsnap.core.disk;

import java.util.HexFormat;
import java.util.List;

/**
 * Reads what {@code qemu-io -c read -v} and {@code qemu-io -c write} print. qemu-io 7.2 exits 1
 * when a command fails, but older versions exit 0 and only print the error; so success is accepted
 * only when qemu-io's own report confirms every byte.
 */
final class QemuIoOutput {
  /** Bytes per line of qemu-io's hex dump. */
  private static final int BYTES_PER_LINE = 16;

  private QemuIoOutput() {}

  /**
   * Checks that a write went through.
   *
   * @param stdout what {@code qemu-io -c "write ..."} printed
   * @param offset the offset written at
   * @param length the number of bytes written
   * @throws UnexpectedOutputException if qemu-io does not report writing all the bytes there
   */
  static void checkWritten(String stdout, long offset, int length)
      throws UnexpectedOutputException {
    String confirmation = report("wrote", offset, length);
    if (!stdout.lines().anyMatch(confirmation::equals)) {
      throw new UnexpectedOutputException("qemu-io did not report '" + confirmation + "'");
    }
  }

  /**
   * Reads the bytes out of qemu-io's hex dump. Each line is
   * {@code <offset, at least 8 hex digits>:  <up to 16 "hh " groups> <ASCII column>}, followed at
   * the end by {@code read <n>/<n> bytes at offset <offset>}.
   *
   * @param stdout what {@code qemu-io -c "read -v <offset> <length>"} printed
   * @param offset the offset read from
   * @param length the number of bytes read
   * @return the bytes
   * @throws UnexpectedOutputException if the dump does not hold exactly those bytes, or qemu-io
   *     does not report reading all of them
   */
  static byte[] parseReadDump(String stdout, long offset, int length)
      throws UnexpectedOutputException {
    List<String> lines = stdout.lines().toList();
    int dumpLines = (length + BYTES_PER_LINE - 1) / BYTES_PER_LINE;
    if (lines.size() <= dumpLines) {
      throw new UnexpectedOutputException("qemu-io printed " + lines.size()
          + " lines, expected a dump of " + dumpLines + " lines and a report");
    }
    byte[] data = new byte[length];
    for (int line = 0; line < dumpLines; line++) {
      int first = line * BYTES_PER_LINE;
      parseDumpLine(lines.get(line), offset + first, data, first,
          Math.min(BYTES_PER_LINE, length - first));
    }
    String confirmation = report("read", offset, length);
    if (!lines.get(dumpLines).equals(confirmation)) {
      throw new UnexpectedOutputException("qemu-io printed '" + lines.get(dumpLines)
          + "' where '" + confirmation + "' was expected");
    }
    return data;
  }

  private static void parseDumpLine(String line, long lineOffset, byte[] data, int first, int count)
      throws UnexpectedOutputException {
    String prefix = String.format("%08x:  ", lineOffset);
    // The ASCII column that follows the hex groups is not needed: the hex is exact.
    if (!line.startsWith(prefix) || line.length() < prefix.length() + 3 * count) {
      throw new UnexpectedOutputException("unexpected hex dump line for offset " + lineOffset
          + ": '" + line + "'");
    }
    for (int i = 0; i < count; i++) {
      int at = prefix.length() + 3 * i;
      if (!HexFormat.isHexDigit(line.charAt(at)) || !HexFormat.isHexDigit(line.charAt(at + 1))
          || line.charAt(at + 2) != ' ') {
        throw new UnexpectedOutputException("unexpected hex dump line for offset " + lineOffset
            + ": '" + line + "'");
      }
      data[first + i] = (byte) HexFormat.fromHexDigits(line, at, at + 2);
    }
  }

  private static String report(String verb, long offset, int length) {
    return verb + " " + length + "/" + length + " bytes at offset " + offset;
  }
}
