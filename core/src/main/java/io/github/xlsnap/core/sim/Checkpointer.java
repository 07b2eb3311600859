package io.github.xlsnap.core.sim;

import static io.github.xlsnap.core.sim.SimulatedHypervisor.PAGE_SIZE;

import com.google.common.base.Stopwatch;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.DomainStateException;
import io.github.xlsnap.core.HypervisorException;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.CheckpointResult;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a simulated domain's memory into a {@link MemoryImage} and suspends the domain, as
 * {@code libxl_domain_suspend} does.
 *
 * <p>Stopped: one round under the host lock, so no guest step runs during the copy. Live (running
 * domain): pre-copy rounds while the guest keeps stepping. The dirty page log is switched on, round 1
 * sends every page, each later round the pages dirtied since they were last sent; a round copies
 * {@value #PAGES_PER_CHUNK} pages per hold of the host lock, so guest steps run between chunks and a
 * chunk never sees half a step. Once at most {@value #FEW_DIRTY_PAGES} pages are dirty, or after
 * {@value #MAX_ROUNDS} rounds in all, the final round stops the guest: under one hold of the lock the
 * remaining dirty pages are sent and the domain is marked suspended. The pre-copied pages are forced
 * to disk before that stop, so the stop waits only for the last pages to reach the disk.
 */
final class Checkpointer {
  /** Pages copied per hold of the host lock in a live round. */
  static final int PAGES_PER_CHUNK = 64;
  /** Dirty pages few enough to stop the guest and send them, as Xen's pre-copy threshold. */
  static final int FEW_DIRTY_PAGES = 50;
  /** The most rounds of a live checkpoint, the final stopped round included. */
  static final int MAX_ROUNDS = 5;

  private static final Logger LOG = LoggerFactory.getLogger(Checkpointer.class);
  private static final String OPERATION = "checkpoint";

  private final HostDirectory host;
  private final DomainRef ref;
  private final Path image;

  Checkpointer(HostDirectory host, DomainRef ref, Path image) {
    this.host = host;
    this.ref = ref;
    this.image = image;
  }

  CheckpointResult run(CheckpointMode mode) {
    Optional<CheckpointResult> stopped = host.locked(OPERATION, () -> {
      DomainRecord domain = requireCheckpointable();
      if (!Files.isRegularFile(image)) {
        throw new HypervisorException(OPERATION, 0, "memory image " + image + " is not an existing file", null);
      }
      if (mode == CheckpointMode.LIVE && domain.isRunning()) {
        GuestMemory.startDirtyLog(host.dirtyPageLog(ref.uuid()), domain.config().pageCount());
        return Optional.empty();
      }
      return Optional.of(checkpointStopped(domain));
    });
    return stopped.isPresent() ? stopped.get() : checkpointLive();
  }

  /** Copies all memory in one round; the caller holds the host lock, so the guest does not run. */
  private CheckpointResult checkpointStopped(DomainRecord domain) throws IOException {
    Stopwatch stoppedFor = Stopwatch.createStarted();
    long bytes;
    try (MemoryImage.Writer writer = MemoryImage.Writer.create(image, ref.uuid(), domain.config().memoryBytes())) {
      sendPages(allPages(domain), writer);
      bytes = writer.finish();
    } catch (IOException e) {
      throw imageError(e);
    }
    host.save(domain.withSuspended(true));
    return logged(new CheckpointResult(bytes, 1, stoppedFor.elapsed()));
  }

  private CheckpointResult checkpointLive() {
    Path dirtyLog = host.dirtyPageLog(ref.uuid());
    boolean suspended = false;
    try (MemoryImage.Writer writer = host.locked(OPERATION,
        () -> MemoryImage.Writer.create(image, ref.uuid(), requireCheckpointable().config().memoryBytes()))) {
      BitSet toSend = host.locked(OPERATION, () -> allPages(requireCheckpointable()));
      int rounds = 0;
      while (true) {
        sendPreCopyRound(toSend, writer);
        rounds++;
        toSend = host.locked(OPERATION, () -> {
          requireCheckpointable();
          return GuestMemory.readDirtyLog(dirtyLog);
        });
        LOG.debug("checkpoint of {}: round {} done, {} pages dirty", ref, rounds, toSend.cardinality());
        if (toSend.cardinality() <= FEW_DIRTY_PAGES || rounds + 1 >= MAX_ROUNDS) {
          break;
        }
      }
      int preCopyRounds = rounds;
      // The pre-copied pages reach the disk while the guest still runs; the final stop then forces
      // only the last dirty pages and the trailer (as a real save's stream, which is written out
      // as it goes, leaves little for the end).
      writer.sync();
      CheckpointResult result = host.locked(OPERATION, () -> {
        Stopwatch stoppedFor = Stopwatch.createStarted();
        DomainRecord domain = requireCheckpointable();
        sendPages(GuestMemory.readDirtyLog(dirtyLog), writer);
        long bytes = writer.finish();
        host.save(domain.withSuspended(true));
        GuestMemory.stopDirtyLog(dirtyLog);
        return new CheckpointResult(bytes, preCopyRounds + 1, stoppedFor.elapsed());
      });
      suspended = true;
      return logged(result);
    } catch (IOException e) {
      throw imageError(e);
    } finally {
      if (!suspended) {
        stopDirtyLogAfterFailure(dirtyLog);
      }
    }
  }

  private void stopDirtyLogAfterFailure(Path dirtyLog) {
    try {
      host.locked(OPERATION, () -> {
        GuestMemory.stopDirtyLog(dirtyLog);
        return null;
      });
    } catch (RuntimeException e) {
      // the failure being thrown matters more; a stale log only costs later guest steps a little
      LOG.warn("checkpoint of {} failed and its dirty page log {} could not be removed", ref, dirtyLog, e);
    }
  }

  private static BitSet allPages(DomainRecord domain) {
    BitSet all = new BitSet();
    all.set(0, domain.config().pageCount());
    return all;
  }

  private HypervisorException imageError(IOException e) {
    return new HypervisorException(OPERATION, 0, "cannot write memory image " + image + ": " + e, e);
  }

  /** Sends one pre-copy round, a chunk per hold of the host lock, clearing each sent page's dirty bit. */
  private void sendPreCopyRound(BitSet pages, MemoryImage.Writer writer) {
    Path dirtyLog = host.dirtyPageLog(ref.uuid());
    int from = pages.nextSetBit(0);
    while (from >= 0) {
      BitSet chunk = new BitSet();
      int page = from;
      for (int taken = 0; taken < PAGES_PER_CHUNK && page >= 0; taken++) {
        chunk.set(page);
        page = pages.nextSetBit(page + 1);
      }
      from = page;
      host.locked(OPERATION, () -> {
        DomainRecord domain = requireCheckpointable();
        sendPages(chunk, writer);
        BitSet dirty = GuestMemory.readDirtyLog(dirtyLog);
        dirty.andNot(chunk);
        GuestMemory.writeDirtyLog(dirtyLog, dirty, domain.config().pageCount());
        return null;
      });
    }
  }

  /** Copies pages from the domain's memory into the image; the caller holds the host lock. */
  private void sendPages(BitSet pages, MemoryImage.Writer writer) throws IOException {
    ByteBuffer page = ByteBuffer.allocate(PAGE_SIZE);
    try (FileChannel memory = FileChannel.open(host.memoryFile(ref.uuid()), StandardOpenOption.READ)) {
      for (int index = pages.nextSetBit(0); index >= 0; index = pages.nextSetBit(index + 1)) {
        GuestMemory.readPage(memory, index, page);
        try {
          writer.writePage(index, page);
        } catch (IOException e) {
          throw imageError(e);
        }
      }
    }
  }

  /** Returns the domain, checking that it may be (or still be) checkpointed; the caller holds the lock. */
  private DomainRecord requireCheckpointable() throws IOException {
    DomainRecord domain = host.requireGuest(ref, OPERATION);
    if (domain.suspended()) {
      throw new DomainStateException("domain " + ref + " is already suspended", domain.state());
    }
    if (domain.preserved().isPresent()) {
      throw new DomainStateException("domain " + ref + " has shut down, so it has no live state to save",
          domain.state());
    }
    return domain;
  }

  private CheckpointResult logged(CheckpointResult result) {
    LOG.info("checkpointed {} into {}: {} bytes, {} rounds, guest stopped {} ms", ref, image,
        result.bytesWritten(), result.rounds(), result.guestStopped().toMillis());
    return result;
  }
}
