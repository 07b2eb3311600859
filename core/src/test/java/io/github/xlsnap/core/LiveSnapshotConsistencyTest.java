package io.github.xlsnap.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.disk.QemuImg;
import io.github.xlsnap.core.sim.GuestWrite;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.core.spi.InMemorySnapshotStore;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * A live snapshot taken while the guest keeps writing a counter to its memory and its disk reverts
 * to a state where both hold the same value: memory and disks come from one instant.
 */
class LiveSnapshotConsistencyTest {
  @TempDir Path dir;

  @RepeatedTest(3)
  void memoryAndDiskComeFromOneInstant() throws Exception {
    try (SimulatedHypervisor host = SimulatedHypervisor.open(dir.resolve("host"), QemuImg.system())) {
      DomainRef ref = host.createDomain(new SimDomainSpec("vm", Optional.empty(), 1 << 20, 1,
          List.of(new SimDiskSpec("xvda", DiskFormat.QCOW2, 1 << 20)), false));
      SnapshotManager manager = SnapshotManager.builder(host, new InMemorySnapshotStore(dir.resolve("snapshots")))
          .build();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong written = new AtomicLong();
      Thread guest = new Thread(() -> {
        long counter = 0;
        while (!stop.get()) {
          byte[] b = ByteBuffer.allocate(8).putLong(counter + 1).array();
          try {
            // one guest step: both writes or neither, as a vcpu's work between two stops
            host.write(ref, new GuestWrite.Memory((counter % 200) * 4096 + 4096, b),
                new GuestWrite.Memory(0, b), new GuestWrite.Disk("xvda", 0, b));
            counter++;
            written.set(counter);
          } catch (DomainStateException suspended) {
            Thread.onSpinWait();
          }
        }
      }, "guest");
      guest.start();
      while (written.get() < 3) {
        Thread.sleep(5);
      }
      Snapshot s = manager.create(DomainSelector.byName("vm"), CreateSpec.builder().name("live").live(true).build());
      long afterSnapshot = written.get();
      while (written.get() < afterSnapshot + 3) {
        Thread.sleep(5);
      }
      stop.set(true);
      guest.join();
      assertThat(s.live()).isTrue();

      DomainRef back = manager.revert(DomainSelector.byName("vm"), "live", RevertOptions.DEFAULTS);
      long memory = ByteBuffer.wrap(host.readMemory(back, 0, 8)).getLong();
      long disk = ByteBuffer.wrap(host.readDisk(back, "xvda", 0, 8)).getLong();
      assertThat(memory).isPositive().isEqualTo(disk).isLessThan(written.get());
    }
  }
}
