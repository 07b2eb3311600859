package io.github.xlsnap.libxl;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.github.xlsnap.core.HypervisorException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * External disk snapshots of a Xen qdisk disk over QMP, on the block nodes of the domain's QEMU.
 *
 * <p>QEMU names the format node of a Xen disk {@code <vdev>-<driver>} (e.g. {@code xvda-qcow2}) and
 * attaches it to an anonymous BlockBackend, so only QMP commands that take node names reach it. An
 * external snapshot ({@code blockdev-snapshot-sync}) puts a new qcow2 overlay on top, named
 * {@code <vdev>-xlsnap<8 hex digits>}: the root node of a disk is therefore the one named
 * {@code <vdev>-<driver>} or {@code <vdev>-xlsnap...}, and {@code query-block} says which file it
 * is. Undoing a snapshot is an active {@code block-commit} of the overlay into the node below it
 * (nothing to copy while the domain has not run since), which makes the disk use that node again.
 */
final class QemuBlock {
  /** The prefix of the node names xlsnap gives its overlays, after {@code <vdev>-}. */
  static final String OVERLAY_NODE_INFIX = "xlsnap";

  private static final SecureRandom RANDOM = new SecureRandom();

  private QemuBlock() {}

  /**
   * The root node of a BlockBackend with a medium, from {@code query-block}.
   *
   * @param nodeName the root node's name
   * @param file the image file it opened
   * @param driver its format driver, e.g. {@code qcow2}
   * @param backingFile its backing file, if any
   */
  record Root(String nodeName, Path file, String driver, Optional<Path> backingFile) {
    Root {
      requireNonNull(nodeName, "nodeName");
      requireNonNull(file, "file");
      requireNonNull(driver, "driver");
      requireNonNull(backingFile, "backingFile");
    }
  }

  /**
   * Lists the root nodes of QEMU's BlockBackends that have a medium.
   *
   * @param qmp the monitor
   * @return one per BlockBackend with an image inserted
   */
  static List<Root> roots(Qmp qmp) {
    return roots(qmp.execute("query-block", null));
  }

  /**
   * Reads a {@code query-block} reply.
   *
   * @param reply the {@code return} value of {@code query-block}
   * @return one per BlockBackend with an image inserted
   */
  static List<Root> roots(JsonNode reply) {
    List<Root> roots = new ArrayList<>();
    for (JsonNode backend : reply) {
      JsonNode inserted = backend.path("inserted");
      String node = inserted.path("node-name").asText("");
      String file = inserted.path("file").asText("");
      if (node.isEmpty() || file.isEmpty() || file.startsWith("json:")) {
        continue;
      }
      String backing = inserted.path("backing_file").asText("");
      roots.add(new Root(node, Path.of(file), inserted.path("drv").asText("?"),
          backing.isEmpty() ? Optional.empty() : Optional.of(Path.of(backing))));
    }
    return List.copyOf(roots);
  }

  /**
   * Finds the root node of a Xen disk.
   *
   * @param roots from {@link #roots(Qmp)}
   * @param vdev the disk's virtual device, e.g. {@code xvda}
   * @param driver the format it was created with, e.g. {@code qcow2}
   * @return the root node named {@code <vdev>-<driver>} or {@code <vdev>-xlsnap...}, if any
   */
  static Optional<Root> rootOf(List<Root> roots, String vdev, String driver) {
    String own = HmpReply.nodeName(vdev, driver);
    String overlays = vdev + "-" + OVERLAY_NODE_INFIX;
    return roots.stream().filter(r -> r.nodeName().equals(own) || r.nodeName().startsWith(overlays)).findFirst();
  }

  /**
   * A fresh node name for an overlay of a disk.
   *
   * @param vdev the disk's virtual device
   * @return {@code <vdev>-xlsnap<8 hex digits>}, within QEMU's 31 characters for short vdevs
   */
  static String overlayNodeName(String vdev) {
    byte[] bytes = new byte[4];
    RANDOM.nextBytes(bytes);
    return vdev + "-" + OVERLAY_NODE_INFIX + HexFormat.of().formatHex(bytes);
  }

  /**
   * Puts a new qcow2 overlay on top of a disk's root node; the disk uses it from then on.
   *
   * @param qmp the monitor
   * @param root the disk's root node
   * @param overlay the overlay to create (absolute, not existing)
   * @param nodeName the overlay's node name, from {@link #overlayNodeName}
   */
  static void snapshot(Qmp qmp, Root root, Path overlay, String nodeName) {
    ObjectNode args = Qmp.arguments();
    args.put("node-name", root.nodeName());
    args.put("snapshot-file", overlay.toString());
    args.put("snapshot-node-name", nodeName);
    args.put("format", "qcow2");
    args.put("mode", "absolute-paths");
    qmp.execute("blockdev-snapshot-sync", args);
  }

  /**
   * Makes a disk use its top overlay's backing node again: an active {@code block-commit} of the
   * overlay into it, completed once ready. The overlay file stays (the caller deletes it).
   *
   * @param qmp the monitor
   * @param top the disk's root node, an overlay with a backing file
   * @param wait how long the commit may take
   * @return the node the disk uses now
   * @throws HypervisorException if the backing node cannot be found or the commit fails
   */
  static Root commitTop(Qmp qmp, Root top, Duration wait) {
    Path backing = top.backingFile().orElseThrow(() -> new HypervisorException("block-commit", 0,
        "node " + top.nodeName() + " (" + top.file() + ") has no backing file to go back to", null));
    String base = backingNode(qmp.execute("query-named-block-nodes", null), top, backing);
    String job = "xlsnap-commit-" + top.nodeName();
    ObjectNode args = Qmp.arguments();
    args.put("job-id", job);
    args.put("device", top.nodeName());
    args.put("base-node", base);
    qmp.execute("block-commit", args);
    JsonNode ready = qmp.awaitEvent(
        Qmp.event("BLOCK_JOB_READY", job).or(Qmp.event("BLOCK_JOB_COMPLETED", job)), "BLOCK_JOB_READY of " + job, wait);
    if (ready.path("event").asText().equals("BLOCK_JOB_COMPLETED")) {
      throw new HypervisorException("block-commit", 0, "the commit of " + top.file() + " into " + backing
          + " ended before it was ready: " + ready.path("data").path("error").asText("no error given"), null);
    }
    ObjectNode complete = Qmp.arguments();
    complete.put("device", job);
    qmp.execute("block-job-complete", complete);
    JsonNode done = qmp.awaitEvent(Qmp.event("BLOCK_JOB_COMPLETED", job), "BLOCK_JOB_COMPLETED of " + job, wait);
    if (done.path("data").has("error")) {
      throw new HypervisorException("block-commit", 0, "the commit of " + top.file() + " into " + backing
          + " failed: " + done.path("data").path("error").asText(), null);
    }
    return roots(qmp).stream().filter(r -> r.nodeName().equals(base)).findFirst()
        .orElseThrow(() -> new HypervisorException("block-commit", 0, "after the commit of " + top.file()
            + " no disk uses node " + base + " (" + backing + ")", null));
  }

  /**
   * Finds the format node of an overlay's backing file in a {@code query-named-block-nodes} reply.
   *
   * @param reply the reply
   * @param top the overlay's node
   * @param backing its backing file
   * @return the name of the format node (not the protocol node) that opened the backing file
   */
  static String backingNode(JsonNode reply, Root top, Path backing) {
    for (JsonNode node : reply) {
      String name = node.path("node-name").asText("");
      String drv = node.path("drv").asText("");
      if (!name.equals(top.nodeName()) && backing.toString().equals(node.path("file").asText())
          && !drv.equals("file") && !drv.equals("host_device")) {
        return name;
      }
    }
    throw new HypervisorException("block-commit", 0, "QEMU has no format node for " + backing
        + ", the backing file of " + top.file(), null);
  }
}
