package io.github.xlsnap.core.spi;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * What {@link Hypervisor#restore} brings back.
 *
 * @param configuration the domain's configuration, from {@link Hypervisor#configuration}
 * @param memoryImage the memory image to restore from; empty to boot the domain afresh from its disks
 * @param diskImages for each disk target, the image it uses after the restore (disks not listed keep
 *     the image the configuration names)
 * @param paused leave the domain paused rather than running
 */
public record RestoreRequest(
    DomainConfiguration configuration, Optional<Path> memoryImage, Map<String, Path> diskImages, boolean paused) {
  /**
   * Checks the components and copies the map.
   *
   * @param configuration the configuration
   * @param memoryImage the memory image
   * @param diskImages the disk images
   * @param paused whether to leave it paused
   */
  public RestoreRequest {
    requireNonNull(configuration, "configuration");
    requireNonNull(memoryImage, "memoryImage");
    diskImages = Map.copyOf(diskImages);
  }
}
