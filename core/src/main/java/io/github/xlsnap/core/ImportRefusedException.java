package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * An import of exported snapshot metadata ({@link SnapshotManager#importMetadata}) was refused; nothing
 * was written. {@link #reason()} says which check failed and {@link #problems()} lists every item that
 * failed it (every missing file, every snapshot the target already has).
 */
public final class ImportRefusedException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #reason()}. */
  private final Reason reason;
  /** Returned by {@link #problems()}. */
  private final List<String> problems;

  /** Which check refused the import. */
  public enum Reason {
    /** The target domain already has snapshot metadata, and {@link ImportOptions#replace()} was not given. */
    TARGET_HAS_METADATA,
    /** The metadata was exported from a domain of another UUID, and {@link ImportOptions#otherDomain()} was not given. */
    OTHER_DOMAIN,
    /**
     * Files the metadata names are missing here: memory images, disk images, overlays, owned images, or
     * internal snapshots in qcow2 images.
     */
    MISSING_FILES
  }

  /**
   * Creates the exception.
   *
   * @param domain the target domain as given
   * @param reason which check refused it
   * @param problems every item that failed the check, one line each
   */
  public ImportRefusedException(String domain, Reason reason, List<String> problems) {
    super(message(domain, reason, problems));
    this.reason = reason;
    this.problems = List.copyOf(problems);
  }

  private static String message(String domain, Reason reason, List<String> problems) {
    requireNonNull(domain, "domain");
    requireNonNull(reason, "reason");
    String head = "refusing to import snapshot metadata for domain " + domain + ": ";
    return head + switch (reason) {
      case TARGET_HAS_METADATA -> "it already has snapshot metadata here (" + String.join(", ", problems)
          + "); replace it explicitly, or delete its snapshots first";
      case OTHER_DOMAIN -> String.join("; ", problems) + "; import it for another domain explicitly";
      case MISSING_FILES -> problems.size() + " file(s) it names are missing here: " + String.join("; ", problems);
    };
  }

  /**
   * Returns which check refused the import.
   *
   * @return the reason
   */
  public Reason reason() {
    return reason;
  }

  /**
   * Returns every item that failed the check.
   *
   * @return one line each, e.g. {@code memory image /srv/x.mem of snapshot 'a'}
   */
  public List<String> problems() {
    return problems;
  }
}
