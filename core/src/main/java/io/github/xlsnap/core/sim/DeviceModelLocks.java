package io.github.xlsnap.core.sim;

import static com.google.common.base.Preconditions.checkState;

import io.github.xlsnap.core.internal.LockedFiles;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The image locks of the simulated device models: the byte-range locks QEMU 7.2's {@code file-posix}
 * driver takes on every image of a disk's backing chain ({@code raw_apply_lock_bytes}: a shared lock
 * on byte 100 + <i>n</i> for each permission <i>n</i> it holds and on byte 200 + <i>n</i> for each
 * one it does not share), taken by this process on behalf of the simulated hosts open in it, so that
 * {@code qemu-img} run by anyone else (the snapshot manager included) meets the same
 * {@code Failed to get "write" lock} as next to a real QEMU. Checked against QEMU 7.2 in
 * {@code /proc/locks}: a writable disk image holds bytes 100, 101, 103, 201 and 203, a backing file
 * 100, 201 and 203.
 *
 * <p>The locks are POSIX record locks ({@link FileChannel#lock}), which belong to the process: a child
 * process sees them, this JVM does not conflict with itself, and a descriptor of the file closed
 * anywhere in this JVM drops them all. So there is one instance per JVM ({@link #JVM}), and
 * {@link #claim} takes the locks afresh each time; the files holding them are registered with
 * {@link LockedFiles#JVM}, through which the disk tools' own reads of image headers go, so that
 * those reads never close a descriptor of a locked image. A host's own image operations (the simulated QEMU
 * writing, snapshotting) run inside {@link #suspended}, which lifts this process's locks of those
 * images meanwhile.
 *
 * <p>Thread-safe: all state is guarded by the instance's monitor; a suspended action runs outside it.
 */
final class DeviceModelLocks {
  private static final Logger LOG = LoggerFactory.getLogger(DeviceModelLocks.class);

  /** The locks of this JVM's simulated hosts. */
  static final DeviceModelLocks JVM = new DeviceModelLocks();

  /** How a device model uses an image, and the bytes QEMU locks for that use. */
  enum Use {
    /** The image a disk reads and writes: consistent read, write, resize; sharing neither write nor resize. */
    WRITABLE(100, 101, 103, 201, 203),
    /** A backing file: consistent read; sharing neither write nor resize. */
    BACKING(100, 201, 203);

    private final long[] bytes;

    Use(long... bytes) {
      this.bytes = bytes;
    }
  }

  /** The images each open host's domains use, by host directory, then domain. */
  private final Map<Path, Map<UUID, Map<Path, Use>>> claims = new HashMap<>();
  /** How many hypervisors have each host directory open. */
  private final Map<Path, Integer> users = new HashMap<>();
  /** How many actions have lifted the locks of each image. */
  private final Map<Path, Integer> suspensions = new HashMap<>();
  /** The locks held now, by image. */
  private final Map<Path, Held> held = new HashMap<>();

  private record Held(Use use, RandomAccessFile file, List<FileLock> locks) {}

  /** Counts one more hypervisor open on a host directory. */
  synchronized void open(Path host) {
    users.merge(host, 1, Integer::sum);
  }

  /** Counts one hypervisor less on a host directory; the last one's close releases its domains' locks. */
  synchronized void close(Path host) {
    Integer left = users.computeIfPresent(host, (h, n) -> n > 1 ? n - 1 : null);
    if (left == null) {
      claims.remove(host);
      apply(false);
    }
  }

  /**
   * Returns what a host's domains were last said to use.
   *
   * @param host the host directory
   * @return the images by domain, empty if none
   */
  synchronized Map<UUID, Map<Path, Use>> claims(Path host) {
    return Map.copyOf(claims.getOrDefault(host, Map.of()));
  }

  /**
   * Says what a host's domains use now, and takes the locks again: those of images no domain uses any
   * longer are released, and every other one is taken afresh, in case a descriptor closed in this JVM
   * dropped it.
   *
   * @param host the host directory, open
   * @param byDomain the images each existing domain's device model holds
   */
  synchronized void claim(Path host, Map<UUID, Map<Path, Use>> byDomain) {
    checkState(users.containsKey(host), "host %s is not open", host);
    Map<UUID, Map<Path, Use>> copy = new HashMap<>();
    byDomain.forEach((uuid, uses) -> copy.put(uuid, Map.copyOf(uses)));
    claims.put(host, copy);
    apply(true);
  }

  /**
   * Runs an action with this process's locks of some images lifted: the simulated device model's own
   * work on the images it holds.
   *
   * @param images the images the action opens for writing (or reads without sharing)
   * @param action the action
   * @return what it returned
   */
  <T> T suspended(Collection<Path> images, Supplier<T> action) {
    List<Path> keys = images.stream().map(DeviceModelLocks::key).toList();
    synchronized (this) {
      keys.forEach(k -> suspensions.merge(k, 1, Integer::sum));
      apply(false);
    }
    try {
      return action.get();
    } finally {
      synchronized (this) {
        keys.forEach(k -> suspensions.computeIfPresent(k, (p, n) -> n > 1 ? n - 1 : null));
        apply(false);
      }
    }
  }

  /** Brings the locks held in line with the claims and suspensions; with {@code renew}, retakes every lock. */
  private void apply(boolean renew) {
    Map<Path, Use> wanted = new HashMap<>();
    for (Map<UUID, Map<Path, Use>> host : claims.values()) {
      for (Map<Path, Use> uses : host.values()) {
        uses.forEach((image, use) -> wanted.merge(key(image), use, (a, b) -> a == Use.WRITABLE ? a : b));
      }
    }
    suspensions.keySet().forEach(wanted::remove);
    for (Path image : List.copyOf(held.keySet())) {
      Held h = held.get(image);
      if (renew || h.use() != wanted.get(image)) {
        unlock(image, h);
        held.remove(image);
      }
    }
    wanted.forEach((image, use) -> {
      if (!held.containsKey(image)) {
        Held h = lock(image, use);
        if (h != null) {
          held.put(image, h);
        }
      }
    });
  }

  private static @Nullable Held lock(Path image, Use use) {
    if (!Files.isRegularFile(image)) {
      return null; // a disk whose image is gone: QEMU would not have started
    }
    RandomAccessFile file = null;
    List<FileLock> locks = new ArrayList<>();
    try {
      file = LockedFiles.JVM.open(image);
      for (long b : use.bytes) {
        FileLock l = file.getChannel().tryLock(b, 1, true);
        if (l == null) {
          LOG.warn("cannot take QEMU's lock of byte {} of {}: another process holds it exclusively", b, image);
        } else {
          locks.add(l);
        }
      }
      return new Held(use, file, List.copyOf(locks));
    } catch (IOException | OverlappingFileLockException e) {
      LOG.warn("cannot lock {} as a device model would: {}", image, e.toString());
      if (file != null) {
        closeQuietly(image, file);
      }
      return null;
    }
  }

  private static void unlock(Path image, Held h) {
    for (FileLock l : h.locks()) {
      try {
        l.release();
      } catch (IOException e) {
        LOG.warn("cannot release a lock of {}", image, e);
      }
    }
    closeQuietly(image, h.file());
  }

  private static void closeQuietly(Path image, RandomAccessFile file) {
    try {
      LockedFiles.JVM.close(file);
    } catch (IOException e) {
      LOG.warn("cannot close {}", image, e);
    }
  }

  private static Path key(Path image) {
    return image.toAbsolutePath().normalize();
  }
}
