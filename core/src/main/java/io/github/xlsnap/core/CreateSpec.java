package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What to snapshot and how: the options of {@code xl snapshot-create} and the keys of its cfgfile.
 * Every field is optional; an empty field takes the default documented on its builder method. Build
 * one with {@link #builder()}; combine a cfgfile's spec with command-line options with
 * {@link #overriding(CreateSpec)}, in which the cfgfile wins as the seed design says.
 *
 * @param name the snapshot's name; default: from the creation time ({@link SnapshotNames#defaultName})
 * @param description free text; default: empty
 * @param memory whether to save the domain's memory; default: true
 * @param memoryPath where to write the memory image; default: beside the metadata
 * @param disks how to capture each disk; default: every qcow2 disk internal, every raw disk external,
 *     read-only and empty disks not at all. Disks not listed take their default.
 * @param live take the memory while the guest runs (shorter downtime, larger image); default: false
 */
public record CreateSpec(
    Optional<String> name,
    Optional<String> description,
    Optional<Boolean> memory,
    Optional<Path> memoryPath,
    Optional<List<DiskSpec>> disks,
    Optional<Boolean> live) {

  /**
   * Checks the components and copies the disk list.
   *
   * @param name the snapshot's name
   * @param description free text
   * @param memory whether to save memory
   * @param memoryPath the memory image path
   * @param disks the disk specs
   * @param live whether to take it live
   */
  public CreateSpec {
    requireNonNull(name, "name");
    requireNonNull(description, "description");
    requireNonNull(memory, "memory");
    requireNonNull(memoryPath, "memoryPath");
    requireNonNull(disks, "disks");
    requireNonNull(live, "live");
    disks = disks.map(List::copyOf);
  }

  /** A spec with every default. */
  public static final CreateSpec DEFAULTS = builder().build();

  /**
   * Starts a spec with every field at its default.
   *
   * @return a builder
   */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Merges two specs, this one winning: each field of the result is this spec's if set, else
   * {@code fallback}'s. For a cfgfile: {@code cfgSpec.overriding(optionsSpec)}.
   *
   * @param fallback the spec whose fields fill what this one leaves empty
   * @return the merged spec
   */
  public CreateSpec overriding(CreateSpec fallback) {
    return new CreateSpec(
        name.or(fallback::name),
        description.or(fallback::description),
        memory.or(fallback::memory),
        memoryPath.or(fallback::memoryPath),
        disks.or(fallback::disks),
        live.or(fallback::live));
  }

  /** Builds a {@link CreateSpec}. Not thread-safe. */
  public static final class Builder {
    private Optional<String> name = Optional.empty();
    private Optional<String> description = Optional.empty();
    private Optional<Boolean> memory = Optional.empty();
    private Optional<Path> memoryPath = Optional.empty();
    private Optional<List<DiskSpec>> disks = Optional.empty();
    private Optional<Boolean> live = Optional.empty();

    private Builder() {}

    /**
     * Sets the snapshot's name.
     *
     * @param value the name, checked when the snapshot is created
     * @return this builder
     */
    public Builder name(String value) {
      name = Optional.of(value);
      return this;
    }

    /**
     * Sets the description.
     *
     * @param value free text
     * @return this builder
     */
    public Builder description(String value) {
      description = Optional.of(value);
      return this;
    }

    /**
     * Sets whether to save the domain's memory. Without memory the snapshot holds disks only,
     * crash-consistent, and reverting to it needs force.
     *
     * @param value true to save memory
     * @return this builder
     */
    public Builder memory(boolean value) {
      memory = Optional.of(value);
      return this;
    }

    /**
     * Sets where to write the memory image.
     *
     * @param value an absolute path that does not exist yet
     * @return this builder
     */
    public Builder memoryPath(Path value) {
      memoryPath = Optional.of(value);
      return this;
    }

    /**
     * Sets how to capture disks; disks not listed take their default.
     *
     * @param value the disk specs
     * @return this builder
     */
    public Builder disks(List<DiskSpec> value) {
      disks = Optional.of(List.copyOf(value));
      return this;
    }

    /**
     * Sets whether to take the snapshot live.
     *
     * @param value true for live
     * @return this builder
     */
    public Builder live(boolean value) {
      live = Optional.of(value);
      return this;
    }

    /**
     * Builds the spec.
     *
     * @return the spec
     */
    public CreateSpec build() {
      return new CreateSpec(name, description, memory, memoryPath, disks, live);
    }
  }
}
