package io.github.xlsnap.core.sim;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import java.util.Arrays;

/**
 * One write a simulated guest makes, to its memory or to one of its disks. The writes given to one
 * {@link SimulatedHypervisor#write} call form one guest step. Values are immutable, so safe to
 * share between threads: the bytes are copied in and out.
 */
public sealed interface GuestWrite {

  /**
   * Returns the byte offset written at.
   *
   * @return the offset in memory or on the disk
   */
  long offset();

  /**
   * Returns a copy of the bytes written.
   *
   * @return the bytes
   */
  byte[] data();

  /**
   * Writes bytes into the guest's memory.
   *
   * @param offset the byte offset in memory, not negative
   * @param data the bytes, at least one
   */
  record Memory(long offset, byte[] data) implements GuestWrite {
    /**
     * Checks the components and copies the bytes.
     *
     * @param offset the byte offset in memory
     * @param data the bytes
     */
    public Memory {
      data = checkedCopy(offset, data);
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Memory m && offset == m.offset && Arrays.equals(data, m.data);
    }

    @Override
    public int hashCode() {
      return Long.hashCode(offset) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "Memory[offset=" + offset + ", " + data.length + " bytes]";
    }
  }

  /**
   * Writes bytes onto one of the guest's disks, into the image the disk uses now.
   *
   * @param target the disk's virtual device
   * @param offset the byte offset on the disk, not negative
   * @param data the bytes, at least one
   */
  record Disk(String target, long offset, byte[] data) implements GuestWrite {
    /**
     * Checks the components and copies the bytes.
     *
     * @param target the disk
     * @param offset the byte offset on the disk
     * @param data the bytes
     */
    public Disk {
      requireNonNull(target, "target");
      data = checkedCopy(offset, data);
    }

    @Override
    public byte[] data() {
      return data.clone();
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Disk d && target.equals(d.target) && offset == d.offset
          && Arrays.equals(data, d.data);
    }

    @Override
    public int hashCode() {
      return (target.hashCode() * 31 + Long.hashCode(offset)) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
      return "Disk[target=" + target + ", offset=" + offset + ", " + data.length + " bytes]";
    }
  }

  private static byte[] checkedCopy(long offset, byte[] data) {
    requireNonNull(data, "data");
    checkArgument(offset >= 0, "offset %s < 0", offset);
    checkArgument(data.length > 0, "nothing to write");
    return data.clone();
  }
}
