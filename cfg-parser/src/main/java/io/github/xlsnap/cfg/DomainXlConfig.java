package io.github.xlsnap.cfg;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What xlsnap needs to know of a domain from its {@code xl.cfg} when no hypervisor can tell it:
 * name, UUID, type, memory, vCPUs, boot files and disks, read as xl's {@code parse_config_data} reads
 * those keys. Every other key stays in {@link #config()}: a domain config has hundreds, and an
 * unknown one is never an error. Immutable and thread-safe.
 *
 * @param name the domain's name ({@code name}), empty if not set (xl requires it to create a domain)
 * @param uuid the {@code uuid} as written
 * @param type {@code pv}, {@code pvh} or {@code hvm}: from {@code type}, else {@code builder}
 *     ({@code hvm} gives hvm, {@code generic} pv), else empty (xl's default applies)
 * @param memoryMib {@code memory}, in MiB
 * @param maxMemoryMib {@code maxmem}, in MiB
 * @param vcpus {@code vcpus}
 * @param kernel {@code kernel}
 * @param ramdisk {@code ramdisk}
 * @param bootloader {@code bootloader}
 * @param disks every {@code disk=} item, in order
 * @param config the whole parsed configuration
 */
public record DomainXlConfig(
    Optional<String> name,
    Optional<String> uuid,
    Optional<String> type,
    OptionalLong memoryMib,
    OptionalLong maxMemoryMib,
    OptionalLong vcpus,
    Optional<String> kernel,
    Optional<String> ramdisk,
    Optional<String> bootloader,
    List<XlDisk> disks,
    XlConfig config) {

  /**
   * Checks the components and copies the disk list.
   *
   * @param name the name
   * @param uuid the uuid
   * @param type the domain type
   * @param memoryMib the memory
   * @param maxMemoryMib the maximum memory
   * @param vcpus the vCPUs
   * @param kernel the kernel
   * @param ramdisk the ramdisk
   * @param bootloader the bootloader
   * @param disks the disks
   * @param config the configuration
   */
  public DomainXlConfig {
    requireNonNull(name, "name");
    requireNonNull(uuid, "uuid");
    requireNonNull(type, "type");
    requireNonNull(memoryMib, "memoryMib");
    requireNonNull(maxMemoryMib, "maxMemoryMib");
    requireNonNull(vcpus, "vcpus");
    requireNonNull(kernel, "kernel");
    requireNonNull(ramdisk, "ramdisk");
    requireNonNull(bootloader, "bootloader");
    disks = List.copyOf(disks);
    requireNonNull(config, "config");
  }

  /**
   * Reads a domain's {@code xl.cfg}.
   *
   * @param file the file
   * @return the description
   * @throws ConfigSyntaxException if xl could not parse the file
   * @throws ConfigValueException if a known key has a wrong value or a disk spec is invalid
   * @throws ConfigFileUnreadableException if the file cannot be read (missing, a directory, not
   *     readable), the file system's reason in its message
   */
  public static DomainXlConfig read(Path file) {
    return of(XlConfig.read(file));
  }

  /**
   * Reads the keys xlsnap needs from a parsed configuration.
   *
   * @param c the configuration
   * @return the description
   * @throws ConfigValueException if a known key has a wrong value or a disk spec is invalid
   */
  public static DomainXlConfig of(XlConfig c) {
    Optional<String> type = c.getString("type");
    if (type.isPresent() && !List.of("pv", "pvh", "hvm").contains(type.get())) {
      throw new ConfigValueException(c.source(), "type", c.get("type").orElseThrow().position(),
          "'" + type.get() + "' is not a domain type; use pv, pvh or hvm", null);
    }
    if (type.isEmpty()) {
      Optional<String> builder = c.getString("builder");
      if (builder.isPresent()) {
        type = switch (builder.get()) {
          case "hvm" -> Optional.of("hvm");
          case "generic" -> Optional.of("pv");
          default -> throw new ConfigValueException(c.source(), "builder", c.get("builder").orElseThrow().position(),
              "'" + builder.get() + "' is not a builder; use hvm or generic (or type = pv|pvh|hvm)", null);
        };
      }
    }
    List<XlDisk> disks = new ArrayList<>();
    if (c.get("disk").isPresent()) {
      List<ConfigValue> items = c.getList("disk").orElseThrow();
      for (int i = 0; i < items.size(); i++) {
        ConfigValue item = items.get(i);
        if (!(item instanceof ConfigValue.Atom a)) {
          throw new ConfigValueException(c.source(), "disk[" + i + "]", item.position(), "is a list, expected a disk spec string", null);
        }
        try {
          disks.add(XlDisk.parse(a.text()));
        } catch (IllegalArgumentException e) {
          throw new ConfigValueException(c.source(), "disk[" + i + "]", a.position(), e.getMessage(), e);
        }
      }
    }
    return new DomainXlConfig(c.getString("name"), c.getString("uuid"), type, c.getLong("memory"), c.getLong("maxmem"),
        c.getLong("vcpus"), c.getString("kernel"), c.getString("ramdisk"), c.getString("bootloader"), disks, c);
  }
}
