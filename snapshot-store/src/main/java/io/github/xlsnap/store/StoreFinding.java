package io.github.xlsnap.store;

import static java.util.Objects.requireNonNull;

import io.github.xlsnap.core.DiskSnapshot;
import io.github.xlsnap.core.FileStamp;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.XlsnapException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One thing {@link JsonSnapshotStore#check} found wrong with a domain's metadata. Immutable.
 *
 * @param kind what is wrong
 * @param file the file concerned
 * @param snapshot the snapshot concerned, if known
 * @param detail a description for people
 */
public record StoreFinding(Kind kind, Path file, Optional<String> snapshot, String detail) {

  /** The kinds of finding. */
  public enum Kind {
    /** A metadata file cannot be read; {@link #detail()} starts with its {@link CorruptMetadataException.Problem}. */
    CORRUPT_FILE,
    /** A snapshot names a parent that does not exist. */
    MISSING_PARENT,
    /** A parent's {@code children} and its children's {@code parent} disagree. */
    CHILD_NOT_LINKED,
    /** Following {@code parent} from this snapshot comes back to it. */
    CYCLE,
    /** The domain's current snapshot does not exist. */
    DANGLING_CURRENT,
    /** A snapshot's memory image is missing. */
    MISSING_MEMORY_IMAGE,
    /** A disk image or overlay a snapshot relies on is missing. */
    MISSING_DISK_FILE,
    /**
     * A file a snapshot relies on changed since the snapshot was taken: its memory image, or the frozen
     * image of an external disk snapshot, no longer has the size and modification time recorded when
     * the snapshot was taken (something other than xlsnap wrote it). A revert to the snapshot is risky
     * and needs force. Not repairable: only whoever changed the file knows whether its contents are
     * still the snapshot's.
     */
    CHANGED_FILE,
    /**
     * A file in the domain's directory that no snapshot names and the store did not write. While an
     * operation is pending ({@link #PENDING_OPERATION}) it may be the operation's, and is kept: its
     * {@link #detail()} then starts with {@value StoreFinding#KEPT_FOR_PENDING_OPERATION}.
     */
    FOREIGN_FILE,
    /**
     * The domain's journal, a change that was committed, cannot be applied: the domain's loads fail.
     * {@link #detail()} starts with the {@link CorruptMetadataException.Problem} of the journal (or of
     * the domain record it is checked against), or {@value StoreFinding#IO_ERROR}, and says why.
     * {@link JsonSnapshotStore#repair} moves the journal to the quarantine: the change is not applied.
     */
    JOURNAL_NOT_APPLIED,
    /**
     * A manager's operation on the domain did not end: its record ({@code xlsnap-intent.properties})
     * is there. The manager's {@code recover} settles it (or an operator abandons it); repair keeps
     * the files it may have made. Not repairable by the store.
     */
    PENDING_OPERATION
  }

  /** How the {@link #detail()} of a foreign file kept because an operation is pending starts. */
  public static final String KEPT_FOR_PENDING_OPERATION = "kept while an operation is pending";

  /** How the {@link #detail()} of a journal that an I/O error kept from being applied starts. */
  public static final String IO_ERROR = "IO_ERROR";

  /**
   * Checks the components.
   *
   * @param kind what is wrong
   * @param file the file concerned
   * @param snapshot the snapshot concerned
   * @param detail a description
   */
  public StoreFinding {
    requireNonNull(kind, "kind");
    requireNonNull(file, "file");
    requireNonNull(snapshot, "snapshot");
    requireNonNull(detail, "detail");
  }

  /**
   * Tells whether {@link JsonSnapshotStore#repair} can deal with this finding without guessing: by
   * recomputing a relation from the {@code parent} fields, or by quarantining a file.
   *
   * @return false for missing memory images and disk files (nothing can bring them back), changed
   *     ones (nothing tells whether they still hold the snapshot's state), for files
   *     and journals of a newer format version (only a newer xlsnap can read them), for a pending
   *     operation and the files kept for it (the manager settles them)
   */
  public boolean repairable() {
    return switch (kind) {
      case MISSING_MEMORY_IMAGE, MISSING_DISK_FILE, CHANGED_FILE, PENDING_OPERATION -> false;
      case CORRUPT_FILE -> !detail.startsWith(CorruptMetadataException.Problem.FUTURE_FORMAT_VERSION.name())
          && !detail.startsWith(CorruptMetadataException.Problem.UNREADABLE.name());
      case JOURNAL_NOT_APPLIED -> !detail.startsWith(CorruptMetadataException.Problem.FUTURE_FORMAT_VERSION.name());
      case FOREIGN_FILE -> !detail.startsWith(KEPT_FOR_PENDING_OPERATION);
      default -> true;
    };
  }

  @Override
  public String toString() {
    return kind + " " + file + snapshot.map(s -> " [" + s + "]").orElse("") + ": " + detail;
  }

  /**
   * The files a snapshot relies on that changed since it was taken: its memory image and the frozen
   * images of its external disk snapshots whose stamp is not the recorded one (missing files are
   * reported as such, not here).
   *
   * <p>Public for stores that have no check of their own (the PostgreSQL store's rows are checked by
   * the command line with it).
   *
   * @param f the snapshot's metadata file (or row), which the findings name
   * @param s the snapshot
   * @return a {@link Kind#CHANGED_FILE} finding for each
   */
  public static List<StoreFinding> changedFiles(Path f, Snapshot s) {
    List<StoreFinding> out = new ArrayList<>();
    if (s.memoryImage().isPresent() && s.memoryStamp().isPresent()) {
      Optional<FileStamp> now = stampIfPresent(s.memoryImage().get());
      if (now.isPresent() && !now.equals(s.memoryStamp())) {
        out.add(new StoreFinding(Kind.CHANGED_FILE, f, Optional.of(s.name()), "memory image " + s.memoryImage().get()
            + " changed since the snapshot was taken (" + describe(s.memoryStamp().get()) + " then, "
            + describe(now.get()) + " now): a revert to it needs force"));
      }
    }
    for (DiskSnapshot d : s.disks()) {
      if (d.imageStamp().isEmpty() || d.image().isEmpty()) {
        continue;
      }
      Optional<FileStamp> now = stampIfPresent(d.image().get());
      if (now.isPresent() && !now.equals(d.imageStamp())) {
        out.add(new StoreFinding(Kind.CHANGED_FILE, f, Optional.of(s.name()), "disk " + d.target() + ": frozen image "
            + d.image().get() + " changed since the snapshot was taken (" + describe(d.imageStamp().get()) + " then, "
            + describe(now.get()) + " now): a revert to it needs force"));
      }
    }
    return out;
  }

  private static Optional<FileStamp> stampIfPresent(Path file) {
    try {
      return FileStamp.of(file);
    } catch (XlsnapException e) {
      return Optional.empty(); // unreadable attributes: not a change this check can tell
    }
  }

  private static String describe(FileStamp stamp) {
    return stamp.size() + " bytes, modified " + stamp.modified();
  }
}
