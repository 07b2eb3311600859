package io.github.xlsnap.store;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
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
   * @return false for missing memory images and disk files (nothing can bring them back), for files
   *     and journals of a newer format version (only a newer xlsnap can read them), for a pending
   *     operation and the files kept for it (the manager settles them)
   */
  public boolean repairable() {
    return switch (kind) {
      case MISSING_MEMORY_IMAGE, MISSING_DISK_FILE, PENDING_OPERATION -> false;
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
}
