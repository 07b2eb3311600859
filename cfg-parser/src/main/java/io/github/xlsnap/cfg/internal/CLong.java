package io.github.xlsnap.cfg.internal;

/** C's {@code strtol(s, &end, 0)} with libxlutil's checks: the whole text must be the number. */
public final class CLong {
  private CLong() {}

  /** How a conversion ended. */
  public enum Status {
    /** A number. */
    OK,
    /** Not a number, or trailing characters. */
    INVALID,
    /** Outside the range of a C long (64 bits here). */
    RANGE
  }

  /**
   * The outcome of {@link #strtol}.
   *
   * @param status how it ended
   * @param value the number when OK
   */
  public record Result(Status status, long value) {}

  /**
   * Converts as libxlutil's {@code xlu_cfg_get_long} does.
   *
   * @param s the text
   * @return the result
   */
  public static Result strtol(String s) {
    int i = 0;
    int n = s.length();
    while (i < n && isSpace(s.charAt(i))) {
      i++;
    }
    boolean negative = false;
    if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      negative = s.charAt(i) == '-';
      i++;
    }
    int base = 10;
    if (i < n && s.charAt(i) == '0') {
      if (i + 2 < n + 0 && (s.charAt(i + 1) == 'x' || s.charAt(i + 1) == 'X') && digit(s.charAt(i + 2), 16) >= 0) {
        base = 16;
        i += 2;
      } else {
        base = 8;
      }
    }
    int digitsStart = i;
    java.math.BigInteger acc = java.math.BigInteger.ZERO;
    java.math.BigInteger b = java.math.BigInteger.valueOf(base);
    while (i < n && digit(s.charAt(i), base) >= 0) {
      acc = acc.multiply(b).add(java.math.BigInteger.valueOf(digit(s.charAt(i), base)));
      i++;
    }
    if (i == digitsStart || i != n) {
      return new Result(Status.INVALID, 0);
    }
    if (negative) {
      acc = acc.negate();
    }
    if (acc.bitLength() > 63) {
      return new Result(Status.RANGE, 0);
    }
    return new Result(Status.OK, acc.longValue());
  }

  private static boolean isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\u000b' || c == '\f' || c == '\r';
  }

  private static int digit(char c, int base) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'z') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'Z') {
      d = c - 'A' + 10;
    } else {
      return -1;
    }
    return d < base ? d : -1;
  }
}
