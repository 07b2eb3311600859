package io.github.xlsnap.libxl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Edits of libxl's domain configuration JSON ({@code libxl_domain_config_to_json}) done in Java, so
 * that they are testable without Xen. libxl ignores unknown keys and layout, and applies defaults
 * for missing keys.
 */
final class ConfigJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ConfigJson() {}

  /**
   * Prepares a configuration for a save file or a restore, as {@code xl save} does: without
   * {@code c_info.domid}, so that the restored domain gets a new domid.
   *
   * @param json the configuration
   * @return the configuration without a domid
   */
  static String withoutDomid(String json) {
    ObjectNode root = parse(json);
    JsonNode cInfo = root.get("c_info");
    if (cInfo instanceof ObjectNode c) {
      c.remove("domid");
    }
    return write(root);
  }

  /**
   * Points disks at other images, e.g. external snapshot overlays: libxl's stored configuration still
   * names the image a disk had when the domain was created.
   *
   * @param json the configuration
   * @param images for each disk's vdev, the image to use
   * @return the configuration with those {@code pdev_path}s
   * @throws IllegalArgumentException if a vdev is not among the configuration's disks
   */
  static String withDiskImages(String json, Map<String, Path> images) {
    ObjectNode root = parse(json);
    Set<String> found = new HashSet<>();
    JsonNode disks = root.get("disks");
    if (disks != null) {
      for (JsonNode disk : disks) {
        String vdev = disk.path("vdev").asText("");
        Path image = images.get(vdev);
        if (image != null && disk instanceof ObjectNode d) {
          d.put("pdev_path", image.toString());
          found.add(vdev);
        }
      }
    }
    for (String vdev : images.keySet()) {
      if (!found.contains(vdev)) {
        throw new IllegalArgumentException("the domain configuration has no disk " + vdev);
      }
    }
    return write(root);
  }

  /**
   * A disk's image and its format as libxl names it ({@code "qcow2"}, {@code "raw"}).
   *
   * @param path the image
   * @param format the format
   */
  record DiskImage(Path path, String format) {}

  /**
   * Points disks at the images their device model uses, format included, for libxl's stored
   * configuration after an external snapshot or its discard. Disks not named keep what they have.
   *
   * @param json the configuration
   * @param images for each disk's vdev, its image and format
   * @return the configuration with those {@code pdev_path}s and {@code format}s, or {@code json}
   *     itself when nothing changes
   * @throws IllegalArgumentException if a vdev is not among the configuration's disks
   */
  static String withDiskImagesAndFormats(String json, Map<String, DiskImage> images) {
    ObjectNode root = parse(json);
    Set<String> found = new HashSet<>();
    boolean changed = false;
    for (JsonNode disk : root.path("disks")) {
      String vdev = disk.path("vdev").asText("");
      DiskImage image = images.get(vdev);
      if (image != null && disk instanceof ObjectNode d) {
        found.add(vdev);
        if (!d.path("pdev_path").asText("").equals(image.path().toString())
            || !d.path("format").asText("").equals(image.format())) {
          d.put("pdev_path", image.path().toString());
          d.put("format", image.format());
          changed = true;
        }
      }
    }
    for (String vdev : images.keySet()) {
      if (!found.contains(vdev)) {
        throw new IllegalArgumentException("the domain configuration has no disk " + vdev);
      }
    }
    return changed ? write(root) : json;
  }

  /**
   * Reads each disk's {@code pdev_path} by {@code vdev}.
   *
   * @param json the configuration
   * @return the image path of each disk with a vdev and a path
   */
  static java.util.Map<String, String> diskImages(String json) {
    java.util.Map<String, String> paths = new java.util.LinkedHashMap<>();
    for (JsonNode disk : parse(json).path("disks")) {
      String vdev = disk.path("vdev").asText("");
      String path = disk.path("pdev_path").asText("");
      if (!vdev.isEmpty() && !path.isEmpty()) {
        paths.put(vdev, path);
      }
    }
    return paths;
  }

  /**
   * Reads each disk's {@code format} by {@code vdev}. {@code libxl_device_disk_list} reads disks back
   * from xenstore, where libxl 4.17 leaves the format unknown (seen on real Xen with a qcow2 qdisk
   * disk); the stored configuration has it.
   *
   * @param json the configuration
   * @return the format name ({@code "qcow2"}, {@code "raw"}, ...) of each disk with a vdev and a format
   */
  static java.util.Map<String, String> diskFormats(String json) {
    java.util.Map<String, String> formats = new java.util.LinkedHashMap<>();
    for (JsonNode disk : parse(json).path("disks")) {
      String vdev = disk.path("vdev").asText("");
      String format = disk.path("format").asText("");
      if (!vdev.isEmpty() && !format.isEmpty()) {
        formats.put(vdev, format);
      }
    }
    return formats;
  }

  /**
   * Reads {@code c_info.name}.
   *
   * @param json the configuration
   * @return the name, empty string if none
   */
  static String name(String json) {
    return parse(json).path("c_info").path("name").asText("");
  }

  /**
   * What differs between two configurations of one domain, ignoring {@code c_info.domid} and the
   * disks' {@code pdev_path}s and {@code format}s (snapshots change images on purpose, and a format
   * follows its image): each difference as a JSON pointer
   * with both values, at most {@code limit} of them.
   *
   * @param then the earlier configuration
   * @param now the present one
   * @param limit the most differences to list
   * @return the differences, empty if none
   */
  static java.util.List<String> changes(String then, String now, int limit) {
    ObjectNode a = comparable(then);
    ObjectNode b = comparable(now);
    java.util.List<String> out = new java.util.ArrayList<>();
    diff("", a, b, out, limit);
    return java.util.List.copyOf(out);
  }

  private static ObjectNode comparable(String json) {
    ObjectNode root = parse(withoutDomid(json));
    for (JsonNode disk : root.path("disks")) {
      if (disk instanceof ObjectNode d) {
        d.remove("pdev_path");
        d.remove("format"); // follows the image: an overlay of a raw image is qcow2
      }
    }
    return root;
  }

  private static void diff(String at, JsonNode a, JsonNode b, java.util.List<String> out, int limit) {
    if (out.size() >= limit || a.equals(b)) {
      return;
    }
    if (a.isObject() && b.isObject()) {
      Set<String> keys = new java.util.TreeSet<>();
      a.fieldNames().forEachRemaining(keys::add);
      b.fieldNames().forEachRemaining(keys::add);
      for (String k : keys) {
        diff(at + "/" + k, a.path(k), b.path(k), out, limit);
      }
    } else if (a.isArray() && b.isArray() && a.size() == b.size()) {
      for (int i = 0; i < a.size(); i++) {
        diff(at + "/" + i, a.get(i), b.get(i), out, limit);
      }
    } else {
      out.add(at + ": " + (a.isMissingNode() ? "(none)" : a.toString()) + " then, "
          + (b.isMissingNode() ? "(none)" : b.toString()) + " now");
    }
  }

  private static ObjectNode parse(String json) {
    try {
      JsonNode node = MAPPER.readTree(json);
      if (node instanceof ObjectNode object) {
        return object;
      }
      throw new IllegalArgumentException("a libxl domain configuration is a JSON object");
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
    }
  }

  private static String write(ObjectNode root) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
