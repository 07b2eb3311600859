package io.github.xlsnap.core;

import static java.util.Objects.requireNonNull;

import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * An operation on a domain was interrupted (its record is pending in the store) and finishing or
 * undoing it failed, so the domain stays held: every operation on it recovers first and fails the
 * same way until the cause is put right (an image or rollback memory image restored, say) or an
 * operator gives the record up with {@link SnapshotManager#abandon}. The record and every file it
 * names are left as they are.
 */
public class RecoveryFailedException extends XlsnapException {
  private static final long serialVersionUID = 1L;

  /** Returned by {@link #domain()}. */
  private final UUID domain;
  /** Returned by {@link #record()}. */
  private final String record;

  /**
   * Creates the exception.
   *
   * @param domain the domain's UUID
   * @param what the interrupted operation, in words ({@code "revert to snapshot 'a'"}), or the reason
   *     the record cannot be read
   * @param record the pending record, verbatim
   * @param cause why recovery failed
   */
  public RecoveryFailedException(UUID domain, String what, String record, @Nullable Throwable cause) {
    super("cannot recover the interrupted " + requireNonNull(what, "what") + " of domain " + domain + ": "
        + (cause == null ? "" : cause.getMessage() + ". ") + "Every operation on the domain fails until this is put "
        + "right, or the record is given up with abandon(" + domain + ") (xlsnap snapshot-check " + domain
        + " --abandon), which changes nothing else", cause);
    this.domain = requireNonNull(domain, "domain");
    this.record = requireNonNull(record, "record");
  }

  /**
   * Returns the domain.
   *
   * @return its UUID
   */
  public UUID domain() {
    return domain;
  }

  /**
   * Returns the pending record, as the store keeps it.
   *
   * @return the record's text
   */
  public String record() {
    return record;
  }
}
