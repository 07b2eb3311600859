package io.github.xlsnap.libxl;

import java.util.Optional;

/**
 * Reads QEMU's HMP replies to the snapshot commands: {@code libxl_qemu_monitor_command} reports
 * success even when QEMU answers {@code Error: ...}, and these commands print nothing on success.
 */
final class HmpReply {
  private HmpReply() {}

  /**
   * Finds the error in a reply to {@code snapshot_blkdev_internal} or
   * {@code snapshot_delete_blkdev_internal}.
   *
   * @param reply QEMU's reply
   * @return the error text, empty if the command succeeded (blank reply)
   */
  static Optional<String> error(String reply) {
    String trimmed = reply.strip();
    return trimmed.isEmpty() ? Optional.empty() : Optional.of(trimmed);
  }

  /**
   * Returns the QEMU block node of a Xen qdisk disk: {@code <vdev>-<format>}, as QEMU's
   * {@code xen_block_blockdev_add} names it (e.g. {@code xvda-qcow2}).
   *
   * @param vdev the disk's virtual device
   * @param format the image format's QEMU driver name
   * @return the node name
   */
  static String nodeName(String vdev, String format) {
    return vdev + "-" + format;
  }
}
