package io.github.xlsnap.core.disk;

import static com.google.common.base.Preconditions.checkArgument;
import static java.util.Objects.requireNonNull;

import com.google.common.base.Suppliers;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.DiskImageException;
import io.github.xlsnap.core.ToolNotFoundException;
import io.github.xlsnap.core.internal.LockedFiles;
import java.io.File;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.DoubleConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DiskImages} over the real {@code qemu-img} and {@code qemu-io} (Debian package
 * {@code qemu-utils}).
 *
 * <p>Every operation runs the tool as a child process with its arguments as a list (no shell), with
 * a time limit ({@link #DEFAULT_TIMEOUT} unless {@link #withTimeout} says otherwise), and logs the
 * command at debug level. Paths are made absolute before they reach the tool, so qemu never takes a
 * file name for a protocol ({@code nbd:...}) and records backing files as absolute paths.
 *
 * <p>Internal snapshots are addressed by tag only. qemu-img looks a snapshot up by id or by name
 * and lets two snapshots share a name, so this class rejects tags that could be taken for an id
 * (all digits), refuses to create a tag that exists, and refuses to use a tag that is missing or
 * occurs more than once.
 *
 * <p>Files this class creates hold guest data, so they are created with mode {@code 0600} on POSIX
 * file systems, and an existing file is never overwritten.
 *
 * <p>Instances are immutable and safe for concurrent use by several threads on different images.
 * Operations on the same image are not coordinated: the caller must not run them concurrently.
 */
public final class QemuImg implements DiskImages {
  /** The time limit of one tool run unless {@link #withTimeout} sets another: ten minutes. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);

  private static final Logger LOG = LoggerFactory.getLogger(QemuImg.class);

  private static final String QEMU_IMG = "qemu-img";
  private static final String QEMU_IO = "qemu-io";
  private static final String DEBIAN_PACKAGE = "qemu-utils";
  private static final String QCOW2 = QemuFormatNames.qemuName(DiskFormat.QCOW2);
  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      PosixFilePermissions.fromString("rw-------");

  private final Supplier<Path> qemuImg;
  private final Supplier<Path> qemuIo;
  private final Duration timeout;

  private QemuImg(Supplier<Path> qemuImg, Supplier<Path> qemuIo, Duration timeout) {
    this.qemuImg = qemuImg;
    this.qemuIo = qemuIo;
    this.timeout = timeout;
  }

  /**
   * Returns an instance that runs the {@code qemu-img} and {@code qemu-io} found on {@code PATH}.
   * The search happens at first use, not here, so this never fails; a tool that is missing then is
   * looked for again at the next use.
   *
   * @return the instance, with {@link #DEFAULT_TIMEOUT}
   */
  public static QemuImg system() {
    return new QemuImg(
        Suppliers.memoize(() -> findOnPath(QEMU_IMG)),
        Suppliers.memoize(() -> findOnPath(QEMU_IO)),
        DEFAULT_TIMEOUT);
  }

  /**
   * Returns an instance that runs the given programs. They are checked at first use, not here.
   *
   * @param qemuImg the {@code qemu-img} program
   * @param qemuIo the {@code qemu-io} program
   * @return the instance, with {@link #DEFAULT_TIMEOUT}
   */
  public static QemuImg withTools(Path qemuImg, Path qemuIo) {
    Path img = requireNonNull(qemuImg, "qemuImg").toAbsolutePath();
    Path io = requireNonNull(qemuIo, "qemuIo").toAbsolutePath();
    return new QemuImg(
        Suppliers.memoize(() -> requireExecutable(img, QEMU_IMG)),
        Suppliers.memoize(() -> requireExecutable(io, QEMU_IO)),
        DEFAULT_TIMEOUT);
  }

  /**
   * Returns a copy that gives each tool run a different time limit. A run that exceeds it is killed
   * and fails with a {@link DiskImageException}; the image may then need {@code qemu-img check}.
   *
   * @param timeout the time limit, positive
   * @return the copy, with the same tools
   */
  public QemuImg withTimeout(Duration timeout) {
    requireNonNull(timeout, "timeout");
    checkArgument(timeout.compareTo(Duration.ZERO) > 0, "timeout %s is not positive", timeout);
    return new QemuImg(qemuImg, qemuIo, timeout);
  }

  /**
   * Returns the time limit of one tool run.
   *
   * @return the time limit
   */
  public Duration timeout() {
    return timeout;
  }

  /**
   * Tells whether both {@code qemu-img} and {@code qemu-io} can be run.
   *
   * @return true if both are found and executable
   */
  public boolean isAvailable() {
    try {
      qemuImg.get();
      qemuIo.get();
      return true;
    } catch (ToolNotFoundException e) {
      LOG.debug("qemu tools not available: {}", e.getMessage());
      return false;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-img create -f <format> <image> <size>}.
   *
   * @throws IllegalArgumentException if the format is neither qcow2 nor raw, or the size is
   *     negative
   */
  @Override
  public void create(Path image, DiskFormat format, long virtualSize) {
    checkArgument(format == DiskFormat.QCOW2 || format == DiskFormat.RAW,
        "can create qcow2 or raw images, not %s", format);
    checkArgument(virtualSize >= 0, "virtualSize %s < 0", virtualSize);
    Path target = absolute(image);
    createPrivateFile(target, qemuImgCommand("create", "-f", QemuFormatNames.qemuName(format),
        target.toString(), Long.toString(virtualSize)));
  }

  /**
   * {@inheritDoc}
   *
   * <p>A plain qcow2 image (version 2 or 3, no encryption, no external data file, neither dirty nor
   * corrupt, a backing file named by a path) is described from its header and snapshot table, read
   * in this process, as {@code qemu-img info} would describe it; a read of an image that a simulated
   * device model of this process holds locked goes through the device model's own descriptor, so that
   * its locks stay. Any other image, and any image whose metadata is out of range, is left to
   * {@code qemu-img info -U --output=json}; {@code -U} (force share) lets it read an image another
   * process holds open, at the risk of a stale answer (as the read in this process has).
   */
  @Override
  public ImageInfo info(Path image) {
    Path source = absolute(image);
    return infoFromHeader(source).orElseGet(() -> infoFromQemuImg(source));
  }

  private ImageInfo infoFromQemuImg(Path source) {
    return runAndRead(source, qemuImgCommand("info", "-U", "--output=json", source.toString()),
        json -> ImageInfoJson.imageInfo(source, json));
  }

  /** The image's description from its own bytes, or empty if {@code qemu-img} is to be asked. */
  static Optional<ImageInfo> infoFromHeader(Path source) {
    try {
      return LockedFiles.JVM.read(source, file -> Qcow2Header.read(source, fileSource(file)))
          .map(m -> imageInfo(source, m));
    } catch (Qcow2FormatException e) {
      LOG.debug("{}; asking qemu-img", e.getMessage());
    } catch (IOException | InvalidPathException e) {
      LOG.debug("cannot read the header of {} ({}); asking qemu-img", source, e.toString());
    }
    return Optional.empty();
  }

  private static ImageInfo imageInfo(Path source, Qcow2Header.Metadata m) {
    // qemu reads a relative backing file name relative to the image's directory
    Optional<Path> backing = m.backingFile().map(name -> source.resolveSibling(name).toAbsolutePath());
    return new ImageInfo(source, DiskFormat.QCOW2, m.virtualSize(), backing,
        m.backingFormat().map(QemuFormatNames::fromQemuName), m.snapshotNames());
  }

  private static Qcow2Header.Source fileSource(RandomAccessFile file) {
    return new Qcow2Header.Source() {
      @Override
      public long size() throws IOException {
        return file.length();
      }

      @Override
      public void readFully(ByteBuffer dst, long position) throws IOException {
        byte[] bytes = new byte[dst.remaining()];
        file.seek(position);
        file.readFully(bytes);
        dst.put(bytes);
      }
    };
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-img map -U --output=json}: an extent at depth 0 that is present is allocated in
   * the image itself. Internal snapshots (from {@link #info}) count as data too.
   */
  @Override
  public boolean holdsDataOfItsOwn(Path image) {
    Path source = absolute(image);
    if (!info(source).internalSnapshots().isEmpty()) {
      return true;
    }
    return runAndRead(source, qemuImgCommand("map", "-U", "--output=json", source.toString()),
        ImageInfoJson::anyExtentOfItsOwn);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Reads the chain from the images' headers as {@link #info} does when every image in it is plain
   * qcow2 (the last may be a backing file recorded as raw); otherwise runs
   * {@code qemu-img info -U --backing-chain --output=json}.
   *
   * @return the absolute paths of the chain's images
   */
  @Override
  public List<Path> backingChain(Path image) {
    Path source = absolute(image);
    Optional<List<Path>> fromHeaders = backingChainFromHeaders(source);
    if (fromHeaders.isPresent()) {
      return fromHeaders.get();
    }
    return runAndRead(source,
        qemuImgCommand("info", "-U", "--backing-chain", "--output=json", source.toString()),
        json -> ImageInfoJson.backingChain(source, json));
  }

  /**
   * The chain from the images' headers, if every image in it is plain qcow2 (see {@link #info}),
   * recorded as qcow2 or not recorded, but the last, which may also be a backing file recorded as raw;
   * empty if {@code qemu-img} is to be asked (another format, a loop, a missing file: it reports
   * those).
   */
  private static Optional<List<Path>> backingChainFromHeaders(Path source) {
    List<Path> chain = new ArrayList<>();
    Set<Path> seen = new HashSet<>();
    Path current = source;
    while (true) {
      if (!seen.add(current)) {
        return Optional.empty();
      }
      chain.add(current);
      Optional<ImageInfo> info = infoFromHeader(current);
      if (info.isEmpty()) {
        return Optional.empty();
      }
      Optional<Path> backing = info.get().backingFile();
      if (backing.isEmpty()) {
        return Optional.of(List.copyOf(chain));
      }
      Optional<DiskFormat> backingFormat = info.get().backingFormat();
      if (backingFormat.isPresent() && backingFormat.get() != DiskFormat.QCOW2
          && backingFormat.get() != DiskFormat.RAW) {
        return Optional.empty(); // opened as that format, which only qemu-img reads
      }
      if (backingFormat.equals(Optional.of(DiskFormat.RAW))) {
        // opened as raw, as recorded: it has no backing file of its own
        if (!Files.isRegularFile(backing.get()) || !seen.add(backing.get())) {
          return Optional.empty();
        }
        chain.add(backing.get());
        return Optional.of(List.copyOf(chain));
      }
      current = backing.get();
    }
  }


  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the tag is empty, all digits (qemu-img would take it for a
   *     snapshot id) or contains a control character
   * @throws DiskImageException also if the image is not qcow2 or already has a snapshot with this
   *     tag
   */
  @Override
  public void createInternalSnapshot(Path image, String tag) {
    checkTag(tag);
    Path target = absolute(image);
    if (internalSnapshotTags(target).contains(tag)) {
      throw new DiskImageException(target, List.of(), -1,
          "internal snapshot '" + tag + "' already exists in " + target, null);
    }
    runQemuImg(target, "snapshot", "-c", tag, target.toString());
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the tag is not valid (see {@link #createInternalSnapshot})
   * @throws DiskImageException also if the image is not qcow2 or has no single snapshot with this
   *     tag
   */
  @Override
  public void applyInternalSnapshot(Path image, String tag) {
    Path target = absolute(image);
    requireSingleInternalSnapshot(target, tag);
    runQemuImg(target, "snapshot", "-a", tag, target.toString());
  }

  /**
   * {@inheritDoc}
   *
   * @throws IllegalArgumentException if the tag is not valid (see {@link #createInternalSnapshot})
   * @throws DiskImageException also if the image is not qcow2 or has no single snapshot with this
   *     tag
   */
  @Override
  public void deleteInternalSnapshot(Path image, String tag) {
    Path target = absolute(image);
    requireSingleInternalSnapshot(target, tag);
    runQemuImg(target, "snapshot", "-d", tag, target.toString());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-img convert -f qcow2 -O qcow2 -l snapshot.name=<tag> <image> <target>}. If
   * that fails, the partly written target is deleted.
   *
   * @throws IllegalArgumentException if the tag is not valid (see {@link #createInternalSnapshot})
   * @throws DiskImageException also if the image is not qcow2, has no single snapshot with this
   *     tag, or the target exists
   */
  @Override
  public void extractInternalSnapshot(Path image, String tag, Path target) {
    extract(image, tag, target, null);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-img convert -p ...} and reads its percentage as it goes.
   */
  @Override
  public void extractInternalSnapshot(Path image, String tag, Path target, DoubleConsumer progress) {
    extract(image, tag, target, requireNonNull(progress, "progress"));
  }

  private void extract(Path image, String tag, Path target, DoubleConsumer progress) {
    Path source = absolute(image);
    Path copy = absolute(target);
    requireSingleInternalSnapshot(source, tag);
    // -l takes qemu options, in which a comma separates options unless doubled.
    String snapshotOption = "snapshot.name=" + tag.replace(",", ",,");
    List<String> args = new ArrayList<>(List.of("convert", "-f", QCOW2, "-O", QCOW2));
    if (progress != null) {
      args.add("-p");
    }
    args.addAll(List.of("-l", snapshotOption, source.toString(), copy.toString()));
    createPrivateFile(copy, qemuImgCommand(args.toArray(String[]::new)), progress);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-img create -f qcow2 -b <backing> -F <format> <overlay>}; the overlay gets
   * the backing image's virtual size.
   *
   * @throws IllegalArgumentException if the backing format is {@link DiskFormat#UNKNOWN} or
   *     {@link DiskFormat#EMPTY}
   */
  @Override
  public void createOverlay(Path overlay, Path backing, DiskFormat backingFormat) {
    String backingFormatName = QemuFormatNames.qemuName(backingFormat);
    Path target = absolute(overlay);
    createPrivateFile(target, qemuImgCommand("create", "-f", QCOW2,
        "-b", absolute(backing).toString(), "-F", backingFormatName, target.toString()));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-img rebase -f qcow2 -b <newBacking> -F <format> <image>}, or
   * {@code -b ""} to make the image standalone. Safe mode needs the old backing file to be
   * readable.
   *
   * @throws IllegalArgumentException if a new backing file is given and its format is
   *     {@link DiskFormat#UNKNOWN} or {@link DiskFormat#EMPTY}
   */
  @Override
  public void rebase(Path image, Optional<Path> newBacking, DiskFormat newBackingFormat) {
    rebase(image, newBacking, newBackingFormat, null, false);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-img rebase -p ...} and reads its percentage as it goes.
   */
  @Override
  public void rebase(Path image, Optional<Path> newBacking, DiskFormat newBackingFormat, DoubleConsumer progress) {
    rebase(image, newBacking, newBackingFormat, requireNonNull(progress, "progress"), true);
  }

  private void rebase(Path image, Optional<Path> newBacking, DiskFormat newBackingFormat, DoubleConsumer progress,
      boolean withProgress) {
    Path target = absolute(image);
    List<String> args = new ArrayList<>(List.of("rebase", "-f", QCOW2));
    if (withProgress) {
      args.add("-p");
    }
    if (newBacking.isPresent()) {
      args.addAll(List.of("-b", absolute(newBacking.get()).toString(),
          "-F", QemuFormatNames.qemuName(newBackingFormat)));
    } else {
      args.addAll(List.of("-b", ""));
    }
    args.add(target.toString());
    ToolRunner.run(target, qemuImgCommand(args.toArray(String[]::new)), timeout, progress);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-img commit -d -f qcow2 <overlay>}. Without {@code -d}, qemu-img empties the
   * overlay after committing (its clusters are discarded and it reads through to the backing file);
   * with {@code -d} (qemu 7.2 checked) the overlay file is left byte for byte as it was.
   */
  @Override
  public void commit(Path overlay) {
    Path target = absolute(overlay);
    runQemuImg(target, "commit", "-d", "-f", QCOW2, target.toString());
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-io -f <format> -c "write -s <file> <offset> <length>"} with the data in a
   * temporary file of mode {@code 0600}, deleted afterwards.
   *
   * @throws IllegalArgumentException if the offset is negative, or the format is
   *     {@link DiskFormat#UNKNOWN} or {@link DiskFormat#EMPTY}
   * @throws DiskImageException also if the write would go past the end of the image
   */
  @Override
  public void write(Path image, DiskFormat format, long offset, byte[] data) {
    checkArgument(offset >= 0, "offset %s < 0", offset);
    String formatName = QemuFormatNames.qemuName(format);
    Path target = absolute(image);
    if (data.length == 0) {
      // "write -s" rejects an empty file; a zero-length write still checks the image opens.
      runQemuIoWrite(target, formatName, "write " + offset + " 0", offset, 0);
      return;
    }
    Path dataFile = createDataFile(target, data);
    try {
      runQemuIoWrite(target, formatName,
          "write -s " + dataFile + " " + offset + " " + data.length, offset, data.length);
    } finally {
      deleteQuietly(dataFile);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>Runs {@code qemu-io -r -f <format> -c "read -v <offset> <length>"} and reads the bytes back
   * out of its hex dump: exact for any offset and length, including 0.
   *
   * @throws IllegalArgumentException if the offset or length is negative, or the format is
   *     {@link DiskFormat#UNKNOWN} or {@link DiskFormat#EMPTY}
   * @throws DiskImageException also if the range goes past the end of the image
   */
  @Override
  public byte[] read(Path image, DiskFormat format, long offset, int length) {
    checkArgument(offset >= 0, "offset %s < 0", offset);
    checkArgument(length >= 0, "length %s < 0", length);
    String formatName = QemuFormatNames.qemuName(format);
    Path source = absolute(image);
    return runAndRead(source,
        qemuIoCommand("-r", "-f", formatName, "-c", "read -v " + offset + " " + length,
            source.toString()),
        dump -> QemuIoOutput.parseReadDump(dump, offset, length));
  }

  private void runQemuImg(Path image, String... args) {
    ToolRunner.run(image, qemuImgCommand(args), timeout);
  }

  private void runQemuIoWrite(Path image, String format, String writeCommand, long offset,
      int length) {
    runAndRead(image, qemuIoCommand("-f", format, "-c", writeCommand, image.toString()),
        report -> {
          QemuIoOutput.checkWritten(report, offset, length);
          return report;
        });
  }

  /** Runs a command and makes sense of what it printed on standard output. */
  private <T> T runAndRead(Path image, List<String> command, OutputReader<T> reader) {
    String stdout = ToolRunner.run(image, command, timeout);
    try {
      return reader.read(stdout);
    } catch (UnexpectedOutputException e) {
      throw new DiskImageException(image, command, 0, "cannot understand what "
          + ToolRunner.toolName(command) + " printed for " + image + ": " + e.getMessage(), e);
    }
  }

  private List<String> qemuImgCommand(String... args) {
    return command(qemuImg.get(), args);
  }

  private List<String> qemuIoCommand(String... args) {
    return command(qemuIo.get(), args);
  }

  private static List<String> command(Path tool, String... args) {
    List<String> command = new ArrayList<>(args.length + 1);
    command.add(tool.toString());
    Collections.addAll(command, args);
    return List.copyOf(command);
  }

  /**
   * The tags of a qcow2 image's internal snapshots; fails if the image is not qcow2. Every snapshot
   * operation checks this first, which also stands in for the {@code -f qcow2} that
   * {@code qemu-img snapshot} does not accept.
   */
  private List<String> internalSnapshotTags(Path image) {
    ImageInfo info = info(image);
    if (info.format() != DiskFormat.QCOW2) {
      throw new DiskImageException(image, List.of(), -1, image + " is "
          + info.format().xlName() + ", not qcow2: only qcow2 has internal snapshots", null);
    }
    return info.internalSnapshots();
  }

  private void requireSingleInternalSnapshot(Path image, String tag) {
    checkTag(tag);
    int occurrences = Collections.frequency(internalSnapshotTags(image), tag);
    if (occurrences == 0) {
      throw new DiskImageException(image, List.of(), -1,
          "no internal snapshot '" + tag + "' in " + image, null);
    }
    if (occurrences > 1) {
      // Made outside xlsnap; qemu-img would silently act on the first of them.
      throw new DiskImageException(image, List.of(), -1, "internal snapshot tag '" + tag
          + "' occurs " + occurrences + " times in " + image + "; refusing to guess", null);
    }
  }

  private static void checkTag(String tag) {
    requireNonNull(tag, "tag");
    checkArgument(!tag.isEmpty(), "internal snapshot tag is empty");
    checkArgument(!tag.chars().allMatch(c -> c >= '0' && c <= '9'),
        "internal snapshot tag '%s' is all digits, which qemu-img would take for an id", tag);
    checkArgument(tag.codePoints().noneMatch(Character::isISOControl),
        "internal snapshot tag contains a control character");
  }

  /**
   * Creates {@code file} empty with mode 0600, then lets the tool fill it. Creating it first,
   * rather than checking that it does not exist, makes "never overwrite" atomic, and the file is
   * never readable by others, not even for a moment; qemu-img truncates the file and keeps its
   * mode. If the tool fails, the file is deleted.
   */
  private void createPrivateFile(Path file, List<String> command) {
    createPrivateFile(file, command, null);
  }

  private void createPrivateFile(Path file, List<String> command, DoubleConsumer progress) {
    try {
      if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE));
        // The umask may have taken away the owner's write bit; set the mode outright.
        Files.setPosixFilePermissions(file, OWNER_READ_WRITE);
      } else {
        Files.createFile(file);
      }
    } catch (FileAlreadyExistsException e) {
      throw new DiskImageException(file, command, -1,
          file + " already exists; xlsnap does not overwrite images", e);
    } catch (IOException e) {
      throw new DiskImageException(file, command, -1, "cannot create " + file + ": " + e, e);
    }
    boolean filled = false;
    try {
      ToolRunner.run(file, command, timeout, progress);
      filled = true;
    } finally {
      if (!filled) {
        deleteQuietly(file);
      }
    }
  }

  /** Writes guest data to a temporary file for "qemu-io write -s" (mode 0600 on POSIX). */
  private static Path createDataFile(Path image, byte[] data) {
    Path dataFile;
    try {
      dataFile = Files.createTempFile("xlsnap-qemu-io-", ".bin");
    } catch (IOException e) {
      throw new DiskImageException(image, List.of(), -1,
          "cannot create a temporary file to write " + image + ": " + e, e);
    }
    boolean written = false;
    try {
      // qemu-io splits its -c command at spaces and knows no quoting.
      if (dataFile.toString().chars().anyMatch(Character::isWhitespace)) {
        throw new DiskImageException(image, List.of(), -1, "the temporary file " + dataFile
            + " has white space in its path, which qemu-io cannot take; set java.io.tmpdir", null);
      }
      Files.write(dataFile, data);
      written = true;
      return dataFile;
    } catch (IOException e) {
      throw new DiskImageException(image, List.of(), -1,
          "cannot write the temporary file " + dataFile + ": " + e, e);
    } finally {
      if (!written) {
        deleteQuietly(dataFile);
      }
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      LOG.warn("cannot delete {}", file, e);
    }
  }

  private static Path absolute(Path path) {
    return requireNonNull(path, "path").toAbsolutePath();
  }

  private static Path findOnPath(String tool) {
    String path = System.getenv("PATH");
    if (path != null) {
      for (String directory : path.split(File.pathSeparator)) {
        // An empty entry means the working directory; never run a tool found there.
        if (directory.isEmpty()) {
          continue;
        }
        try {
          Path candidate = Path.of(directory, tool);
          if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
            LOG.debug("found {} at {}", tool, candidate);
            return candidate.toAbsolutePath();
          }
        } catch (InvalidPathException e) {
          LOG.debug("ignoring PATH entry {}: {}", directory, e.getMessage());
        }
      }
    }
    throw new ToolNotFoundException(tool, DEBIAN_PACKAGE);
  }

  private static Path requireExecutable(Path program, String tool) {
    if (!Files.isRegularFile(program) || !Files.isExecutable(program)) {
      LOG.debug("{} is not an executable file", program);
      throw new ToolNotFoundException(tool, DEBIAN_PACKAGE);
    }
    return program;
  }

  /** Makes sense of a tool's standard output. */
  private interface OutputReader<T> {
    T read(String stdout) throws UnexpectedOutputException;
  }
}
