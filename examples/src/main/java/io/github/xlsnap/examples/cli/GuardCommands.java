package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.DomainHasSnapshotsException;
import io.github.xlsnap.core.SnapshotManager.Guard;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The seed design's guard for operators: {@code destroy}, {@code shutdown} and {@code save} act
 * through the backend as {@code xl} does, and refuse a domain that has snapshots (exit 4, naming
 * them) unless {@code --force} overrides the guard.
 */
final class GuardCommands {
  private GuardCommands() {}

  /** What the three share: the override and the refusal's wording. */
  abstract static class Guarded extends SnapshotCommands.Base {
    @Option(names = "--force", description = "Override the snapshot guard; the snapshots' metadata and files are kept.")
    boolean force;

    @Override
    boolean changesDomain() {
      return true;
    }

    Guard guard() {
      return force ? Guard.OVERRIDE : Guard.ENFORCE;
    }

    @Override
    void run(Session s) {
      try {
        act(s);
      } catch (DomainHasSnapshotsException e) {
        throw new ExitCodes.RefusedException(e.getMessage().replace("override the guard",
            "override the guard with --force"), e);
      }
    }

    abstract void act(Session s);
  }

  @Command(name = "destroy", mixinStandardHelpOptions = true,
      description = "Destroy a domain, as xl destroy; refused while it has snapshots, unless --force.")
  static final class Destroy extends Guarded {
    @Override
    void act(Session s) {
      s.manager().destroyDomain(selector(), guard());
    }
  }

  @Command(name = "shutdown", mixinStandardHelpOptions = true,
      description = "Ask a domain to shut down, as xl shutdown; refused while it has snapshots, unless --force.")
  static final class Shutdown extends Guarded {
    @Override
    void act(Session s) {
      s.manager().shutdownDomain(selector(), guard());
    }
  }

  @Command(name = "save", mixinStandardHelpOptions = true,
      description = "Save a domain's memory to <file> and destroy it, as xl save (xl restore reads the image of "
          + "a Xen host); refused while it has snapshots, unless --force.")
  static final class Save extends Guarded {
    @Parameters(index = "1", paramLabel = "<file>", description = "The image to write; it must not exist.")
    Path file;

    @Override
    void act(Session s) {
      s.manager().saveDomain(selector(), file.toAbsolutePath(), guard());
      out().println("Domain " + domain + " saved to " + file.toAbsolutePath());
    }
  }
}
