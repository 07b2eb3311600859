package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * The rules for snapshot names. A name is also part of file names, so it must be non-empty, at most
 * {@value #MAX_BYTES} bytes of UTF-8, contain no {@code /}, NUL or other control character, and must
 * not be {@code .} or {@code ..}.
 *
 * <p><b>The length limit</b> is the real budget of a name, not the file system's: a file name may have
 * {@value #NAME_MAX} bytes ({@code NAME_MAX} on Linux), and the longest name xlsnap derives from a
 * snapshot's name adds {@value #LONGEST_DERIVED_OVERHEAD} bytes to it: the JSON store's temporary file
 * {@code .snapshotdata-<name>.libxl-json.tmp}, written while the metadata file
 * {@code snapshotdata-<name>.libxl-json} is replaced. So a name of at most {@value #MAX_BYTES} bytes
 * fits every file made from it. Other names derived from a snapshot's name are bounded where they are
 * made: a memory image {@code <name>.memory} that would be too long, or would be hidden, is named by
 * the snapshot's id instead, and a quarantined file's name is shortened. Earlier versions accepted
 * names of up to {@value #NAME_MAX} bytes; such a name could never be saved, but may appear in stored
 * metadata that refers to a snapshot ({@link #isValidStored}).
 */
public final class SnapshotNames {
  /** The longest file name, in bytes: Linux's {@code NAME_MAX}. */
  public static final int NAME_MAX = 255;

  /**
   * The most bytes a file name derived from a snapshot's name adds to it: {@code .},
   * {@code snapshotdata-}, {@code .libxl-json} and {@code .tmp}, the JSON store's temporary file.
   */
  public static final int LONGEST_DERIVED_OVERHEAD = 29;

  /** The longest name, in bytes of UTF-8: {@link #NAME_MAX} less {@link #LONGEST_DERIVED_OVERHEAD}. */
  public static final int MAX_BYTES = NAME_MAX - LONGEST_DERIVED_OVERHEAD;

  private static final DateTimeFormatter DEFAULT_FORMAT =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private SnapshotNames() {}

  /**
   * Checks a name.
   *
   * @param name the name
   * @return the name, unchanged
   * @throws InvalidSnapshotSpecException naming the rule the name breaks
   */
  public static String validate(String name) {
    requireNonNull(name, "name");
    problem(name).ifPresentOrElse(p -> {
      throw new InvalidSnapshotSpecException("name", p);
    }, () -> { });
    return name;
  }

  /**
   * Tells whether a name is valid.
   *
   * @param name the name
   * @return true if {@link #validate} accepts it
   */
  public static boolean isValid(String name) {
    return problem(name, MAX_BYTES).isEmpty();
  }

  /**
   * Tells whether a name read from stored metadata, where it only refers to a snapshot (a parent, a
   * child), is acceptable: valid but for its length, which may be up to {@link #NAME_MAX} bytes, the
   * limit of earlier versions. A snapshot so named cannot exist, but a reader that meets the reference
   * reports a tree to repair rather than an unreadable file.
   *
   * @param name the name
   * @return true if {@link #isValid} accepts it or it is only too long for a new snapshot
   */
  public static boolean isValidStored(String name) {
    return problem(name, NAME_MAX).isEmpty();
  }

  private static java.util.Optional<String> problem(String name) {
    return problem(name, MAX_BYTES);
  }

  private static java.util.Optional<String> problem(String name, int maxBytes) {
    if (name.isEmpty()) {
      return java.util.Optional.of("snapshot name is empty");
    }
    if (name.equals(".") || name.equals("..")) {
      return java.util.Optional.of("snapshot name '" + name + "' is reserved");
    }
    if (name.startsWith("-")) {
      return java.util.Optional.of("snapshot name '" + name + "' starts with '-', which command lines (xl, virsh, "
          + "xlsnap) read as an option");
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > maxBytes) {
      return java.util.Optional.of("snapshot name is " + bytes + " bytes of UTF-8, more than " + maxBytes
          + " (the file names made from it must fit in " + NAME_MAX + " bytes)");
    }
    for (int i = 0; i < name.length(); ) {
      int cp = name.codePointAt(i);
      if (cp == '/') {
        return java.util.Optional.of("snapshot name '" + name + "' contains '/' at index " + i);
      }
      if (Character.isISOControl(cp)) {
        return java.util.Optional.of(String.format("snapshot name contains control character U+%04X at index %d", cp, i));
      }
      if (Character.isSurrogate(name.charAt(i)) && cp == name.charAt(i)) {
        return java.util.Optional.of("snapshot name contains an unpaired surrogate at index " + i);
      }
      i += Character.charCount(cp);
    }
    return java.util.Optional.empty();
  }

  /**
   * Makes the default name of a snapshot from its creation time, as the seed design asks: the UTC
   * time in ISO 8601 basic form ({@code 20261125T223105Z}), followed by {@code -2}, {@code -3}... if
   * that name is taken. The result is file-system safe and sorts by time.
   *
   * @param createTime the creation time
   * @param taken the names the domain already has
   * @return a valid name not in {@code taken}
   */
  public static String defaultName(Instant createTime, Set<String> taken) {
    String base = DEFAULT_FORMAT.format(createTime);
    String name = base;
    for (int i = 2; taken.contains(name); i++) {
      name = base + "-" + i;
    }
    return name;
  }
}
