package io.github.xlsnap.core.internal;

import static com.google.common.base.Preconditions.checkArgument;

import java.nio.charset.StandardCharsets;

/**
 * File names xlsnap derives from others (overlays, reverted images, quarantined images): each must fit
 * the file-system limit however long the name it is derived from, and however often a name is derived
 * from a derived one.
 */
public final class FileNames {
  /** {@code NAME_MAX} of Linux file systems: the longest file name, in bytes. */
  public static final int NAME_MAX = 255;

  private FileNames() {}

  /**
   * Joins a stem and a suffix, cutting the stem (at a character boundary) so that the name fits in
   * {@link #NAME_MAX} bytes of UTF-8. The suffix, which carries what makes the name unique, is kept
   * whole.
   *
   * @param stem the part taken from another name
   * @param suffix the part that makes the name unique; at most 200 bytes
   * @return {@code stem + suffix}, the stem shortened if needed
   */
  public static String fit(String stem, String suffix) {
    int suffixBytes = suffix.getBytes(StandardCharsets.UTF_8).length;
    checkArgument(suffixBytes <= 200, "suffix %s is too long", suffix);
    int budget = NAME_MAX - suffixBytes;
    int bytes = 0;
    int end = 0;
    while (end < stem.length()) {
      int cp = stem.codePointAt(end);
      int n = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
      if (bytes + n > budget) {
        break;
      }
      bytes += n;
      end += Character.charCount(cp);
    }
    return stem.substring(0, end) + suffix;
  }

  /**
   * The stem of an image's file name, for names derived from it: the name up to the first
   * {@code .xlsnap-} (what an earlier derivation added, so that a chain of derived names does not
   * grow: {@code vm-xvda.xlsnap-1.qcow2} gives {@code vm-xvda}), else without its last extension
   * ({@code vm-xvda.raw} gives {@code vm-xvda}).
   *
   * @param fileName the file name
   * @return the stem, or the whole name if it has no dot past its first character
   */
  public static String stem(String fileName) {
    int derived = fileName.indexOf(".xlsnap-");
    if (derived > 0) {
      return fileName.substring(0, derived);
    }
    int dot = fileName.lastIndexOf('.');
    return dot > 0 ? fileName.substring(0, dot) : fileName;
  }

  /**
   * A name derived from an image's: its {@linkplain #stem stem}, then {@code .<tag>.<extension>},
   * within {@link #NAME_MAX}.
   *
   * @param fileName the image's file name
   * @param tag what makes the new name unique, e.g. {@code xlsnap-<id>}
   * @param extension the new name's extension, e.g. {@code qcow2}
   * @return the new file name
   */
  public static String derive(String fileName, String tag, String extension) {
    return fit(stem(fileName), "." + tag + "." + extension);
  }
}
