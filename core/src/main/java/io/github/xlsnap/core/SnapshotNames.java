package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Set;

/**
 * The rules for snapshot names. A name is also a file name (the metadata file is
 * {@code snapshotdata-<name>.libxl-json}), so it must be non-empty, at most 255 bytes of UTF-8, and
 * contain no {@code /}, NUL or other control character, and must not be {@code .} or {@code ..}.
 */
public final class SnapshotNames {
  /** The longest name, in bytes of UTF-8. */
  public static final int MAX_BYTES = 255;

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
    return problem(name).isEmpty();
  }

  private static java.util.Optional<String> problem(String name) {
    if (name.isEmpty()) {
      return java.util.Optional.of("snapshot name is empty");
    }
    if (name.equals(".") || name.equals("..")) {
      return java.util.Optional.of("snapshot name '" + name + "' is reserved");
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      return java.util.Optional.of("snapshot name is " + bytes + " bytes of UTF-8, more than " + MAX_BYTES);
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
