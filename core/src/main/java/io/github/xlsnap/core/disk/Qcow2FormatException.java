package io.github.xlsnap.core.disk;

import java.nio.file.Path;

/**
 * A qcow2 image's metadata is not what the format allows: a header field, a header extension or a
 * snapshot table entry is out of range or runs past the end of the file. Names the file and the field.
 * {@link QemuImg} then leaves the image to {@code qemu-img}, whose verdict stands.
 */
final class Qcow2FormatException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Path image;
  private final String field;

  Qcow2FormatException(Path image, String field, String problem) {
    super(image + ": qcow2 " + field + ": " + problem);
    this.image = image;
    this.field = field;
  }

  /** The image read. */
  Path image() {
    return image;
  }

  /** The field at fault, as the qcow2 specification names it (e.g. {@code header.nb_snapshots}). */
  String field() {
    return field;
  }
}
