package io.github.xlsnap.examples.cli;

import io.github.xlsnap.cfg.ConfigFileUnreadableException;
import io.github.xlsnap.cfg.ConfigSyntaxException;
import io.github.xlsnap.cfg.ConfigValueException;
import io.github.xlsnap.core.DomainHasSnapshotsException;
import io.github.xlsnap.core.ImportRefusedException;
import io.github.xlsnap.core.DomainNotFoundException;
import io.github.xlsnap.core.DomainStateException;
import io.github.xlsnap.core.InvalidSnapshotSpecException;
import io.github.xlsnap.core.RiskyRevertException;
import io.github.xlsnap.core.SnapshotExistsException;
import io.github.xlsnap.core.SnapshotNotFoundException;

/** The exit codes of the {@code xlsnap} command, distinct for what a script acts on. */
public final class ExitCodes {
  /** Success. */
  public static final int OK = 0;
  /** The operation failed (a hypervisor, disk or store failure); it was rolled back. */
  public static final int FAILURE = 1;
  /** The command line or an input file is wrong: unknown option, conflicting flags, invalid name. */
  public static final int USAGE = 2;
  /** The domain or snapshot does not exist. */
  public static final int NOT_FOUND = 3;
  /**
   * Refused: a risky revert without --force, a guard, a name taken, a domain in the wrong state, an import
   * whose files are missing or whose domain already has snapshots.
   */
  public static final int REFUSED = 4;

  private ExitCodes() {}

  /**
   * Maps an exception to an exit code.
   *
   * @param e what went wrong
   * @return the exit code
   */
  public static int of(Throwable e) {
    if (e instanceof Cancellation.CancelledException c) {
      return c.exitCode();
    }
    if (e instanceof DomainNotFoundException || e instanceof SnapshotNotFoundException
        || e instanceof NotFoundException) {
      return NOT_FOUND;
    }
    if (e instanceof InvalidSnapshotSpecException || e instanceof UsageException
        || e instanceof ConfigSyntaxException || e instanceof ConfigValueException
        || e instanceof ConfigFileUnreadableException) {
      return USAGE;
    }
    if (e instanceof RiskyRevertException || e instanceof DomainHasSnapshotsException || e instanceof RefusedException
        || e instanceof SnapshotExistsException || e instanceof DomainStateException
        || e instanceof ImportRefusedException) {
      return REFUSED;
    }
    return FAILURE;
  }

  /** Something the command line asks for that does not exist, other than a domain or a named snapshot. */
  public static final class NotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what does not exist, in one line
     */
    public NotFoundException(String message) {
      super(message);
    }
  }

  /** A refusal the command words for operators (naming the option that overrides it). */
  public static final class RefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why, in one line
     * @param cause the refusal as the API threw it
     */
    public RefusedException(String message, Throwable cause) {
      super(message, cause);
    }

    /**
     * Creates the exception for a refusal of the command's own.
     *
     * @param message why, in one line
     */
    public RefusedException(String message) {
      super(message);
    }
  }

  /** A command line that parses but cannot be carried out as written. */
  public static final class UsageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, in one line
     */
    public UsageException(String message) {
      super(message);
    }
  }
}
