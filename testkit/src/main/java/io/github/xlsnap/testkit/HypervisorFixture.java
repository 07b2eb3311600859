package io.github.xlsnap.testkit;

import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.spi.DomainDisk;
import io.github.xlsnap.core.spi.Hypervisor;
import java.nio.file.Path;

/**
 * What {@link HypervisorContract} needs from a backend under test: the hypervisor, throwaway domains
 * to do things to, and the disk image tool to look at their images. One fixture serves one test, on
 * one thread.
 */
public interface HypervisorFixture extends AutoCloseable {

  /**
   * Returns the hypervisor under test; the fixture owns and closes it.
   *
   * @return the hypervisor
   */
  Hypervisor hypervisor();

  /**
   * Returns the disk image operations the test inspects images with.
   *
   * @return the disk images, e.g. {@code QemuImg.system()}
   */
  DiskImages images();

  /**
   * Starts a fresh running domain with a name no other domain has and at least one qcow2 disk with an
   * image. Its disks may or may not be held by a device model
   * ({@link DomainDisk#heldByDeviceModel()}); the tests check before inspecting an image.
   *
   * @return the running domain
   * @throws Exception if it cannot be started
   */
  DomainRef startDomain() throws Exception;

  /**
   * Returns an empty directory for the test's memory images and overlays, where the backend may
   * create and read files.
   *
   * @return the directory, absolute
   */
  Path scratchDirectory();

  /**
   * Destroys what is left of the domains this fixture started (any instance with their UUIDs, as a
   * test may restore them) and removes the scratch directory. Throws only unchecked exceptions.
   */
  @Override
  void close();
}
