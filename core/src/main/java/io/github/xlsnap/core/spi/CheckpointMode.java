package io.github.xlsnap.core.spi;

/** How {@link Hypervisor#checkpoint} saves memory. */
public enum CheckpointMode {
  /** The guest is stopped for the whole save ({@code libxl_domain_suspend} without flags). */
  STOPPED,
  /**
   * The guest keeps running while memory is copied in pre-copy rounds, then is stopped for a short
   * final round ({@code LIBXL_SUSPEND_LIVE}). The image is larger: pages written during the copy are
   * saved again.
   */
  LIVE
}
