package io.github.xlsnap.examples.cli;

import io.github.xlsnap.core.ExportedMetadata;
import io.github.xlsnap.core.ImportOptions;
import io.github.xlsnap.core.ImportRefusedException;
import io.github.xlsnap.core.XlsnapIOException;
import io.github.xlsnap.core.spi.DomainMetadata;
import io.github.xlsnap.store.CorruptMetadataException;
import io.github.xlsnap.store.MetadataDocuments;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code snapshot-export} and {@code snapshot-import}: a domain's snapshot metadata moved between hosts
 * as one JSON document ({@link MetadataDocuments}), as libvirt's {@code --redefine}.
 */
final class TransferCommands {
  private TransferCommands() {}

  @Command(name = "snapshot-export", mixinStandardHelpOptions = true,
      description = "Write a domain's snapshot metadata (every snapshot, the current one, the images xlsnap made) as "
          + "one JSON document, to import on another host with snapshot-import. Metadata only: the memory images "
          + "and disk images it names stay where they are.")
  static final class Export extends SnapshotCommands.Base {
    @Option(names = {"-o", "--output"}, paramLabel = "FILE|-",
        description = "Where to write it: a file (replaced atomically, mode 0600), or - for stdout (default).")
    String output = "-";

    @Override
    void run(Session s) {
      ExportedMetadata exported = s.manager().exportMetadata(selector());
      byte[] doc = MetadataDocuments.write(exported);
      if (output.equals("-")) {
        out().print(new String(doc, java.nio.charset.StandardCharsets.UTF_8));
        return;
      }
      Path file = Path.of(output).toAbsolutePath();
      writeAtomically(file, doc);
      err().println("Exported " + exported.metadata().snapshots().size() + " snapshot(s) of domain "
          + exported.domainName() + " to " + file);
    }

    private static void writeAtomically(Path file, byte[] doc) {
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      try {
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try (OutputStream o = Files.newOutputStream(tmp)) {
          o.write(doc);
        }
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
          Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        }
      } catch (IOException e) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw new XlsnapIOException("write the export", file, e);
      }
    }
  }

  @Command(name = "snapshot-import", mixinStandardHelpOptions = true,
      description = "Define a domain's snapshots from a document snapshot-export wrote (libvirt's --redefine): "
          + "refused, writing nothing, if a file or internal snapshot it names is missing here, if the domain "
          + "already has snapshots (unless --replace) or if the document is of another domain's UUID (unless "
          + "--other-domain). Metadata only, written at once; no image is touched.")
  static final class Import extends SnapshotCommands.Base {
    @Parameters(index = "1", paramLabel = "FILE|-", description = "The document, or - for stdin.")
    String file;

    @Option(names = "--replace", description = "Replace the snapshot metadata the domain has here (its files are "
        + "kept, no longer owned by xlsnap).")
    boolean replace;

    @Option(names = "--other-domain", description = "Accept a document of a domain with another UUID (a domain "
        + "created again under a new UUID): its snapshots become this domain's.")
    boolean otherDomain;

    @Override
    boolean changesSnapshots() {
      return true;
    }

    @Override
    void run(Session s) {
      ExportedMetadata exported = read();
      ImportOptions options = ImportOptions.DEFAULTS;
      if (replace) {
        options = options.replacing();
      }
      if (otherDomain) {
        options = options.toOtherDomain();
      }
      DomainMetadata saved;
      try {
        saved = s.manager().importMetadata(selector(), exported, options);
      } catch (ImportRefusedException e) {
        throw new ExitCodes.RefusedException(e.getMessage()
            .replace("import it for another domain explicitly", "give --other-domain to import it for this domain")
            .replace("replace it explicitly", "replace it with --replace"), e);
      }
      out().println("Imported " + saved.snapshots().size() + " snapshot(s) of domain " + exported.domainName()
          + " for " + domain + saved.current().map(c -> " (current: " + c + ")").orElse(""));
    }

    private ExportedMetadata read() {
      try {
        if (file.equals("-")) {
          return MetadataDocuments.parse(Path.of("<stdin>"), System.in.readAllBytes());
        }
        return MetadataDocuments.read(Path.of(file).toAbsolutePath());
      } catch (CorruptMetadataException | XlsnapIOException e) {
        throw new ExitCodes.UsageException(e.getMessage()); // an input file that is wrong: exit 2
      } catch (IOException e) {
        throw new ExitCodes.UsageException("cannot read stdin: " + e.getMessage());
      }
    }
  }

  @Command(name = "snapshot-forget", mixinStandardHelpOptions = true,
      description = "Drop a domain's snapshot metadata from this host's store, keeping every file (libvirt's "
          + "snapshot-delete --metadata): after snapshot-import on another host, so that a delete here cannot "
          + "remove files that host now uses. Refused while the domain is on this host, unless --force.")
  static final class Forget extends SnapshotCommands.Base {
    @Option(names = "--force", description = "Forget even though the domain is on this host (its snapshots can "
        + "then no longer be reverted or deleted here).")
    boolean force;

    @Override
    boolean changesSnapshots() {
      return true;
    }

    @Override
    void run(Session s) {
      if (!force && s.hypervisor.find(selector()).isPresent()) {
        throw new ExitCodes.RefusedException("refusing to forget the snapshot metadata of domain " + domain
            + ": it is on this host; forget it with --force, or after it moved");
      }
      ExportedMetadata dropped = s.manager().forgetMetadata(selector());
      out().println(dropped.metadata().isEmpty() ? "Domain " + domain + " has no snapshot metadata here"
          : "Forgot " + dropped.metadata().snapshots().size() + " snapshot(s) of domain " + dropped.domainName()
              + "; their files are kept");
    }
  }
}
