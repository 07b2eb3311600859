package io.github.xlsnap.core.sim;

import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.ImageInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The disk image operations of the simulated device models themselves: each runs with this
 * process's {@link DeviceModelLocks} of the images it changes lifted, as QEMU does not stand in its
 * own way. Reads of image metadata ({@link #info}, {@link #backingChain}) share the image
 * ({@code qemu-img -U}) and pass straight through. Thread-safe as the wrapped operations are.
 */
final class DeviceModelImages implements DiskImages {
  private final DiskImages delegate;
  private final DeviceModelLocks locks;

  DeviceModelImages(DiskImages delegate, DeviceModelLocks locks) {
    this.delegate = delegate;
    this.locks = locks;
  }

  private <T> T lifted(List<Path> images, Supplier<T> action) {
    return locks.suspended(images, action);
  }

  private void lifted(Path image, Runnable action) {
    lifted(List.of(image), () -> {
      action.run();
      return null;
    });
  }

  @Override
  public void create(Path image, DiskFormat format, long virtualSize) {
    lifted(image, () -> delegate.create(image, format, virtualSize));
  }

  @Override
  public ImageInfo info(Path image) {
    return delegate.info(image);
  }

  @Override
  public List<Path> backingChain(Path image) {
    return delegate.backingChain(image);
  }

  @Override
  public void createInternalSnapshot(Path image, String tag) {
    lifted(image, () -> delegate.createInternalSnapshot(image, tag));
  }

  @Override
  public void applyInternalSnapshot(Path image, String tag) {
    lifted(image, () -> delegate.applyInternalSnapshot(image, tag));
  }

  @Override
  public void deleteInternalSnapshot(Path image, String tag) {
    lifted(image, () -> delegate.deleteInternalSnapshot(image, tag));
  }

  @Override
  public void extractInternalSnapshot(Path image, String tag, Path target) {
    lifted(List.of(image, target), () -> {
      delegate.extractInternalSnapshot(image, tag, target);
      return null;
    });
  }

  @Override
  public void createOverlay(Path overlay, Path backing, DiskFormat backingFormat) {
    lifted(overlay, () -> delegate.createOverlay(overlay, backing, backingFormat));
  }

  @Override
  public void rebase(Path image, Optional<Path> newBacking, DiskFormat newBackingFormat) {
    lifted(image, () -> delegate.rebase(image, newBacking, newBackingFormat));
  }

  @Override
  public void commit(Path overlay) {
    List<Path> changed = new ArrayList<>(List.of(overlay));
    delegate.info(overlay).backingFile().ifPresent(changed::add); // the commit writes into it
    lifted(changed, () -> {
      delegate.commit(overlay);
      return null;
    });
  }

  @Override
  public void write(Path image, DiskFormat format, long offset, byte[] data) {
    lifted(image, () -> delegate.write(image, format, offset, data));
  }

  @Override
  public byte[] read(Path image, DiskFormat format, long offset, int length) {
    return lifted(List.of(image), () -> delegate.read(image, format, offset, length));
  }
}
