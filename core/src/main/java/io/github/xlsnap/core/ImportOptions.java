package io.github.xlsnap.core;

/**
 * How {@link SnapshotManager#importMetadata} treats a target that differs from what was exported.
 *
 * @param replace whether to replace the target's own snapshot metadata, if it has any; without it such
 *     a target is refused. The replaced metadata is dropped, never its files: images it owned are no
 *     longer owned by xlsnap (nothing deletes them) and its memory images stay where they are
 * @param otherDomain whether the metadata may be imported for a domain whose UUID is not the one it was
 *     exported from (a domain created again elsewhere, with a new UUID); without it a different UUID is
 *     refused. With it, the metadata is keyed by the target's UUID, and its snapshots revert the target
 *     from the configurations and files they name
 */
public record ImportOptions(boolean replace, boolean otherDomain) {
  /** Refuses a target with snapshot metadata of its own and a target of another UUID. */
  public static final ImportOptions DEFAULTS = new ImportOptions(false, false);

  /**
   * Returns a copy that replaces the target's own metadata.
   *
   * @return the copy
   */
  public ImportOptions replacing() {
    return new ImportOptions(true, otherDomain);
  }

  /**
   * Returns a copy that accepts a target of another UUID.
   *
   * @return the copy
   */
  public ImportOptions toOtherDomain() {
    return new ImportOptions(replace, true);
  }
}
