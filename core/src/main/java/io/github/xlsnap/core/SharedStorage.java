package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Which files every host of a pool sees at the same path: the policy that decides whether a domain
 * with snapshots may migrate ({@link SnapshotManager#checkMigration}). Immutable and thread-safe.
 *
 * <p>{@link #fromMounts()}, the manager's default, reads {@code /proc/self/mountinfo} each time it
 * judges a path and looks at the file system type of the mount holding it (the longest mount point
 * that is a prefix of the path, symbolic links resolved; a file that does not exist yet is judged by
 * its nearest existing directory):
 * <ul>
 *   <li>shared: network and cluster file systems, {@code nfs}, {@code nfs4}, {@code cifs},
 *       {@code smb3}, {@code ceph}, {@code fuse.ceph-fuse}, {@code glusterfs}, {@code fuse.glusterfs},
 *       {@code gfs2}, {@code ocfs2}, {@code lustre}, {@code gpfs}, {@code beegfs};</li>
 *   <li>not shared: everything else, local file systems ({@code ext4}, {@code xfs}, {@code btrfs},
 *       {@code tmpfs}, {@code overlay}, ...), {@code devtmpfs} (block devices: a logical volume of a
 *       shared volume group or an iSCSI LUN cannot be told from a local disk) and {@code fuse.sshfs}
 *       (a network file system, but without the coherent caching and locking that a domain's images
 *       need while two hosts hand them over).</li>
 * </ul>
 * What detection cannot see, the integrator declares: {@link #declaring} adds path prefixes that are
 * shared whatever their mount says ({@code /dev/vg-shared}, {@code /dev/disk/by-path/ip-...-iscsi-...}).
 * A declared prefix matches the path as given and the path with its symbolic links resolved.
 * {@link #declaredOnly} trusts declarations alone, for hosts without {@code /proc} and for tests.
 */
public final class SharedStorage {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");
  private static final Set<String> SHARED_TYPES = Set.of("nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph",
      "fuse.ceph-fuse", "fuse.ceph", "glusterfs", "fuse.glusterfs", "gfs2", "ocfs2", "lustre", "gpfs", "beegfs");

  private final List<Path> declared;
  private final Optional<Supplier<String>> mountInfo;

  private SharedStorage(List<Path> declared, Optional<Supplier<String>> mountInfo) {
    this.declared = List.copyOf(declared);
    this.mountInfo = mountInfo;
  }

  /**
   * The default policy: mounts as {@code /proc/self/mountinfo} lists them, judged by file system type
   * (see the class description), and no declared prefixes.
   *
   * @return the policy
   */
  public static SharedStorage fromMounts() {
    return new SharedStorage(List.of(), Optional.of(SharedStorage::readMountInfo));
  }

  /**
   * A policy that judges by the given mount table text, in {@code /proc/self/mountinfo}'s format; for
   * tests.
   */
  static SharedStorage fromMountInfo(String text) {
    requireNonNull(text, "text");
    return new SharedStorage(List.of(), Optional.of(() -> text));
  }

  /**
   * A policy that holds only the given prefixes shared and everything else not, without looking at
   * mounts.
   *
   * @param prefixes absolute path prefixes on shared storage
   * @return the policy
   * @throws IllegalArgumentException if a prefix is not absolute
   */
  public static SharedStorage declaredOnly(Collection<Path> prefixes) {
    return new SharedStorage(List.of(), Optional.empty()).declaring(prefixes);
  }

  /**
   * Returns a copy that also holds the given path prefixes shared, whatever their mount is.
   *
   * @param prefixes absolute path prefixes (a prefix matches whole path components)
   * @return the copy
   * @throws IllegalArgumentException if a prefix is not absolute
   */
  public SharedStorage declaring(Collection<Path> prefixes) {
    List<Path> all = new ArrayList<>(declared);
    for (Path p : prefixes) {
      requireNonNull(p, "prefix");
      if (!p.isAbsolute()) {
        throw new IllegalArgumentException("shared storage prefix " + p + " is not absolute");
      }
      all.add(p.normalize());
    }
    return new SharedStorage(all, mountInfo);
  }

  /**
   * Returns the declared prefixes.
   *
   * @return the prefixes, in the order declared
   */
  public List<Path> declaredPrefixes() {
    return declared;
  }

  /**
   * Judges one path.
   *
   * @param path an absolute path; it need not exist
   * @return whether it is shared, and why
   * @throws IllegalArgumentException if the path is not absolute
   */
  public Verdict judge(Path path) {
    requireNonNull(path, "path");
    if (!path.isAbsolute()) {
      throw new IllegalArgumentException("path " + path + " is not absolute");
    }
    Path given = path.normalize();
    Path real = realPath(given);
    for (Path prefix : declared) {
      if (given.startsWith(prefix) || real.startsWith(prefix)) {
        return new Verdict(path, true, "declared shared (" + prefix + ")");
      }
    }
    if (mountInfo.isEmpty()) {
      return new Verdict(path, false, "not declared shared");
    }
    Optional<Mount> mount = mountOf(real, parse(mountInfo.get().get()));
    if (mount.isEmpty()) {
      return new Verdict(path, false, "on no mount listed in " + MOUNTINFO);
    }
    Mount m = mount.get();
    boolean shared = SHARED_TYPES.contains(m.type);
    String where = m.type + " at " + m.point;
    return new Verdict(path, shared, shared ? "shared storage (" + where + ")"
        : m.type.equals("devtmpfs") ? "a device not known to be shared (" + where + ")"
        : "local storage (" + where + ")");
  }

  /**
   * How {@link SharedStorage#judge} judged one path.
   *
   * @param path the path judged
   * @param shared whether every host sees it
   * @param reason why, e.g. {@code shared storage (nfs4 at /srv/shared)}, {@code local storage (ext4 at /)} or
   *     {@code declared shared (/dev/vg-pool)}
   */
  public record Verdict(Path path, boolean shared, String reason) {
    /**
     * Checks the components.
     *
     * @param path the path
     * @param shared whether shared
     * @param reason why
     */
    public Verdict {
      requireNonNull(path, "path");
      requireNonNull(reason, "reason");
    }
  }

  @Override
  public String toString() {
    return "SharedStorage[" + (mountInfo.isPresent() ? "mounts" : "declared only") + ", declared=" + declared + "]";
  }

  private record Mount(Path point, String type) {}

  /** The path with its links resolved, through its nearest existing ancestor if it does not exist. */
  private static Path realPath(Path path) {
    Path existing = path;
    List<Path> rest = new ArrayList<>();
    while (existing != null) {
      try {
        Path real = existing.toRealPath();
        for (int i = rest.size() - 1; i >= 0; i--) {
          real = real.resolve(rest.get(i));
        }
        return real;
      } catch (IOException e) {
        if (existing.getFileName() == null) {
          break;
        }
        rest.add(existing.getFileName());
        existing = existing.getParent();
      }
    }
    return path;
  }

  private static Optional<Mount> mountOf(Path path, List<Mount> mounts) {
    @Nullable Mount best = null;
    for (Mount m : mounts) {
      // the last mount on a point hides the earlier ones: >= keeps the later of equal length
      if (path.startsWith(m.point) && (best == null || m.point.getNameCount() >= best.point.getNameCount())) {
        best = m;
      }
    }
    return Optional.ofNullable(best);
  }

  /** Reads mountinfo lines: {@code id parent major:minor root mountpoint options [optional...] - type source super}. */
  private static List<Mount> parse(String text) {
    List<Mount> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String[] f = line.trim().split(" ");
      int dash = List.of(f).indexOf("-");
      if (f.length < 5 || dash < 5 || dash + 1 >= f.length) {
        continue;
      }
      String point = unescape(f[4]);
      if (!point.startsWith("/")) {
        continue;
      }
      out.add(new Mount(Path.of(point), f[dash + 1]));
    }
    return out;
  }

  /** Undoes mountinfo's octal escapes ({@code \040} for a space). */
  private static String unescape(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
        b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static String readMountInfo() {
    try {
      return new String(Files.readAllBytes(MOUNTINFO), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new XlsnapIOException("read the mount table", MOUNTINFO, e);
    }
  }
}
