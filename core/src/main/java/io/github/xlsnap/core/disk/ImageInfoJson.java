package io.github.xlsnap.core.disk;

import io.github.xlsnap.core.DiskFormat;
import java.math.BigDecimal;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Reads the JSON that {@code qemu-img info --output=json} prints: one object per image, or with
 * {@code --backing-chain} an array of them, the image first.
 */
final class ImageInfoJson {
  private ImageInfoJson() {}

  /**
   * Reads the description of one image.
   *
   * @param image the image described, absolute
   * @param json what {@code qemu-img info --output=json} printed
   * @return the description
   * @throws UnexpectedOutputException if the text is not JSON or lacks what an image description
   *     has
   */
  static ImageInfo imageInfo(Path image, String json) throws UnexpectedOutputException {
    return imageInfo(image, asObject(Json.parse(json), "the output"));
  }

  /**
   * Reads {@code qemu-img map --output=json}: whether any extent is present at depth 0, that is,
   * allocated in the image itself (QEMU 6.0 and later print {@code present}).
   *
   * @param json what qemu-img printed
   * @return true if the image holds clusters of its own
   * @throws UnexpectedOutputException if the output is not such a map
   */
  static boolean anyExtentOfItsOwn(String json) throws UnexpectedOutputException {
    if (!(Json.parse(json) instanceof List<?> extents)) {
      throw new UnexpectedOutputException("a map is a JSON array of extents");
    }
    for (Object e : extents) {
      if (!(e instanceof Map<?, ?> extent) || !(extent.get("depth") instanceof java.math.BigDecimal depth)
          || !(extent.get("present") instanceof Boolean present)) {
        throw new UnexpectedOutputException("an extent without a numeric depth and a boolean present: " + e);
      }
      if (depth.signum() == 0 && present) {
        return true;
      }
    }
    return false;
  }

  /**
   * Reads a backing chain.
   *
   * @param image the first image of the chain, absolute
   * @param json what {@code qemu-img info --backing-chain --output=json} printed
   * @return the absolute paths of the chain's images, {@code image} first
   * @throws UnexpectedOutputException if the text is not JSON, lacks what an image description has,
   *     or its length does not match the backing files it names
   */
  static List<Path> backingChain(Path image, String json) throws UnexpectedOutputException {
    Object parsed = Json.parse(json);
    if (!(parsed instanceof List<?> elements)) {
      throw new UnexpectedOutputException("expected a JSON array of image descriptions");
    }
    List<Path> chain = new ArrayList<>();
    Optional<Path> next = Optional.of(image);
    for (Object element : elements) {
      Path current = next.orElseThrow(() -> new UnexpectedOutputException("the chain goes on after "
          + chain.get(chain.size() - 1) + ", which has no backing file"));
      chain.add(current);
      next = imageInfo(current, asObject(element, "chain element " + chain.size())).backingFile();
    }
    if (next.isPresent()) {
      throw new UnexpectedOutputException("the chain ends before " + next.get()
          + ", the backing file of " + chain.get(chain.size() - 1));
    }
    return List.copyOf(chain);
  }

  private static ImageInfo imageInfo(Path image, Map<?, ?> description)
      throws UnexpectedOutputException {
    DiskFormat format = QemuFormatNames.fromQemuName(requiredString(description, "format"));
    long virtualSize = requiredLong(description, "virtual-size");
    if (virtualSize < 0) {
      throw new UnexpectedOutputException("\"virtual-size\" is negative: " + virtualSize);
    }
    // qemu has already resolved full-backing-filename; backing-filename is as the image records it,
    // which qemu reads relative to the image's directory.
    Optional<String> backingName = optionalString(description, "full-backing-filename");
    if (backingName.isEmpty()) {
      backingName = optionalString(description, "backing-filename");
    }
    Optional<Path> backingFile = backingName.isEmpty()
        ? Optional.empty()
        : Optional.of(resolveBacking(image, backingName.get()));
    Optional<DiskFormat> backingFormat = optionalString(description, "backing-filename-format")
        .map(QemuFormatNames::fromQemuName);
    return new ImageInfo(image, format, virtualSize, backingFile, backingFormat,
        snapshotNames(description));
  }

  private static List<String> snapshotNames(Map<?, ?> description)
      throws UnexpectedOutputException {
    @Nullable Object snapshots = description.get("snapshots");
    if (snapshots == null) {
      return List.of();
    }
    if (!(snapshots instanceof List<?> list)) {
      throw new UnexpectedOutputException("\"snapshots\" is not an array");
    }
    List<String> names = new ArrayList<>();
    for (Object snapshot : list) {
      names.add(requiredString(asObject(snapshot, "a snapshot"), "name"));
    }
    return names;
  }

  private static Path resolveBacking(Path image, String backingName)
      throws UnexpectedOutputException {
    try {
      return image.resolveSibling(backingName).toAbsolutePath();
    } catch (InvalidPathException e) {
      throw new UnexpectedOutputException("backing file \"" + backingName + "\" is not a path");
    }
  }

  private static Map<?, ?> asObject(Object value, String what) throws UnexpectedOutputException {
    if (!(value instanceof Map<?, ?> map)) {
      throw new UnexpectedOutputException(what + " is not a JSON object");
    }
    return map;
  }

  private static String requiredString(Map<?, ?> object, String key)
      throws UnexpectedOutputException {
    return optionalString(object, key)
        .orElseThrow(() -> new UnexpectedOutputException("\"" + key + "\" is missing"));
  }

  private static Optional<String> optionalString(Map<?, ?> object, String key)
      throws UnexpectedOutputException {
    @Nullable Object value = object.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof String string)) {
      throw new UnexpectedOutputException("\"" + key + "\" is not a string: " + value);
    }
    return Optional.of(string);
  }

  private static long requiredLong(Map<?, ?> object, String key) throws UnexpectedOutputException {
    @Nullable Object value = object.get(key);
    if (!(value instanceof BigDecimal number)) {
      throw new UnexpectedOutputException("\"" + key + "\" is missing or not a number: " + value);
    }
    try {
      return number.longValueExact();
    } catch (ArithmeticException e) {
      throw new UnexpectedOutputException(
          "\"" + key + "\" is not a whole number of bytes: " + value);
    }
  }
}
