package io.github.xlsnap.core;

import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.disk.ImageInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Wraps a {@link DiskImages} and fails its n-th changing call (create, snapshot, overlay, rebase,
 * commit, extract), before the call does anything. Reads and guest I/O are never failed.
 */
final class FaultyDiskImages implements DiskImages {
  private final DiskImages delegate;
  final InjectionPoint point = new InjectionPoint();

  FaultyDiskImages(DiskImages delegate) {
    this.delegate = delegate;
  }

  private void step(String what, Path image) {
    if (point.hit()) {
      throw new DiskImageException(image, List.of("injected"), 1, "injected failure of " + what + " on " + image, null);
    }
  }

  @Override
  public void create(Path image, DiskFormat format, long virtualSize) {
    step("create", image);
    delegate.create(image, format, virtualSize);
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
    step("createInternalSnapshot", image);
    delegate.createInternalSnapshot(image, tag);
  }

  @Override
  public void applyInternalSnapshot(Path image, String tag) {
    step("applyInternalSnapshot", image);
    delegate.applyInternalSnapshot(image, tag);
  }

  @Override
  public void deleteInternalSnapshot(Path image, String tag) {
    step("deleteInternalSnapshot", image);
    delegate.deleteInternalSnapshot(image, tag);
  }

  @Override
  public void extractInternalSnapshot(Path image, String tag, Path target) {
    step("extractInternalSnapshot", image);
    delegate.extractInternalSnapshot(image, tag, target);
  }

  @Override
  public void createOverlay(Path overlay, Path backing, DiskFormat backingFormat) {
    step("createOverlay", overlay);
    delegate.createOverlay(overlay, backing, backingFormat);
  }

  @Override
  public void rebase(Path image, Optional<Path> newBacking, DiskFormat newBackingFormat) {
    step("rebase", image);
    delegate.rebase(image, newBacking, newBackingFormat);
  }

  @Override
  public void commit(Path overlay) {
    step("commit", overlay);
    delegate.commit(overlay);
  }

  @Override
  public void write(Path image, DiskFormat format, long offset, byte[] data) {
    delegate.write(image, format, offset, data);
  }

  @Override
  public byte[] read(Path image, DiskFormat format, long offset, int length) {
    return delegate.read(image, format, offset, length);
  }
}
