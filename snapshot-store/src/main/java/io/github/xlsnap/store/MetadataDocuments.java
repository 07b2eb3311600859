package io.github.xlsnap.store;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.ExportedMetadata;
import io.github.xlsnap.core.XlsnapIOException;
import io.github.xlsnap.store.internal.ExportCodec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * A domain's exported snapshot metadata ({@link ExportedMetadata}) as one JSON document, written on one
 * host by {@code xlsnap snapshot-export} and read on another by {@code xlsnap snapshot-import}: the way
 * snapshots follow a domain when the store is per host (see
 * {@link io.github.xlsnap.core.SnapshotManager#importMetadata}). Any store's metadata can be exported,
 * and imported into any store.
 *
 * <p><b>Format.</b> UTF-8 JSON, one object: {@code "format": "xlsnap-snapshot-metadata"},
 * {@code "version": 1} (a newer version is refused, never guessed at), {@code "domain"} with
 * {@code "uuid"} and {@code "name"} (where it was exported), {@code "current"} (absent if none),
 * {@code "owned_images"} (paths), {@code "deferred_internal_snapshots"} (as the JSON store's domain
 * record), and {@code "snapshots"}, parents before children, each in the JSON store's libxl-json
 * vocabulary with its own {@code format_version} ({@code name}, {@code create_time}, {@code parent},
 * {@code children}, {@code snapshot_args} with {@code memory_path} and {@code disks}, ...). Reading is
 * strict: a document that is not UTF-8, not JSON, truncated, of a newer version, of the wrong shape, or
 * whose snapshots do not form a tree is a {@link CorruptMetadataException} naming the file and the
 * field ({@code snapshots[2]: snapshot_args.disks is not an array}). Thread-safe; stateless.
 */
public final class MetadataDocuments {
  /** The {@code format} field's value. */
  public static final String FORMAT = ExportCodec.FORMAT;
  /** The version written, and the newest read. */
  public static final int VERSION = ExportCodec.VERSION;

  private MetadataDocuments() {}

  /**
   * Encodes exported metadata.
   *
   * @param exported the metadata
   * @return the document's bytes, UTF-8 JSON ending with a newline
   */
  public static byte[] write(ExportedMetadata exported) {
    return ExportCodec.write(requireNonNull(exported, "exported"));
  }

  /**
   * Decodes a document.
   *
   * @param source where the bytes came from, named in errors (a file, or say {@code <stdin>})
   * @param bytes the document
   * @return the exported metadata
   * @throws CorruptMetadataException if the document cannot be used, naming the source and the field
   */
  public static ExportedMetadata parse(Path source, byte[] bytes) {
    return ExportCodec.read(requireNonNull(source, "source"), requireNonNull(bytes, "bytes"));
  }

  /**
   * Reads a document from a file.
   *
   * @param file the file
   * @return the exported metadata
   * @throws CorruptMetadataException if the document cannot be used, naming the file and the field
   * @throws XlsnapIOException if the file cannot be read
   */
  public static ExportedMetadata read(Path file) {
    requireNonNull(file, "file");
    byte[] bytes;
    try {
      if (Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException("Is a directory");
      }
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new XlsnapIOException("read the snapshot metadata export", file, e);
    }
    return parse(file, bytes);
  }
}
