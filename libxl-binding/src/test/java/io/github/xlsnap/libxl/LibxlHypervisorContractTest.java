package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.abort;

import io.github.xlsnap.core.DomainInfo;
import io.github.xlsnap.core.DomainRef;
import io.github.xlsnap.core.disk.DiskImages;
import io.github.xlsnap.core.spi.CheckpointMode;
import io.github.xlsnap.core.spi.Hypervisor;
import io.github.xlsnap.libxl.realxen.RealXen;
import io.github.xlsnap.libxl.realxen.RealXenFixture;
import io.github.xlsnap.testkit.HypervisorContract;
import io.github.xlsnap.testkit.HypervisorFixture;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The {@link Hypervisor} contract against the real libxl, in a Xen dom0 prepared by the real-xen stage
 * ({@link RealXenFixture}: a PV guest with a qcow2 disk on qdisk per test, or the previous test's guest if
 * that test left it as it was started). Anywhere else every test is
 * skipped with the reason.
 *
 * <p>One part of the contract cannot pass on PV guests, and is skipped there with what was shown
 * instead: a LIVE checkpoint (Debian's Xen has no PV log-dirty: the test checks the typed error with
 * code -8 and the guest still running, then skips). Live checkpoints run on a PVH guest in
 * {@code RealXenLiveTest}: the contract stays on PV guests because late in a stage run PVH guests
 * triple-faulted under QEMU's emulated nested paging (NOTES-real-xen.md, run 17). External disk
 * snapshots run for real (QMP on the guest's QEMU).
 */
class LibxlHypervisorContractTest extends HypervisorContract {
  private RealXenFixture current;

  @Override
  protected HypervisorFixture newFixture() {
    if (!RealXen.present()) {
      return new SkippingFixture();
    }
    // a test that leaves its guest as it was started hands it to the next (RealXenFixture's class comment)
    current = RealXenFixture.reusingPristineGuests();
    return current;
  }

  @Override
  @ParameterizedTest
  @EnumSource(CheckpointMode.class)
  public void checkpointSuspendsIntoTheImageAndResumeRunsAgain(CheckpointMode mode) throws Exception {
    liveUnsupportedIsTyped(mode, () -> super.checkpointSuspendsIntoTheImageAndResumeRunsAgain(mode));
  }

  @Override
  @ParameterizedTest
  @EnumSource(CheckpointMode.class)
  public void aPausedDomainCheckpointedAndResumedIsPausedAgain(CheckpointMode mode) throws Exception {
    liveUnsupportedIsTyped(mode, () -> super.aPausedDomainCheckpointedAndResumedIsPausedAgain(mode));
  }

  private interface Body {
    void run() throws Exception;
  }

  private void liveUnsupportedIsTyped(CheckpointMode mode, Body body) throws Exception {
    try {
      body.run();
    } catch (LibxlException e) {
      if (mode != CheckpointMode.LIVE || e.code() != LibxlError.GUEST_TIMEDOUT.code()
          || !e.getMessage().contains("not supported by this Xen")) {
        throw e;
      }
      // the test's guest: the fixture starts one per test (other lanes' guests may run beside it)
      List<DomainInfo> guests = new ArrayList<>(current.libxl().listDomains());
      guests.removeIf(d -> !current.startedUuids().contains(d.ref().uuid()));
      assertThat(guests).singleElement().satisfies(d -> {
        assertThat(d.state().isSuspended()).as("suspended after a failed live checkpoint").isFalse();
        assertThat(d.state().isActive()).isTrue();
      });
      abort("live checkpoint unsupported by this Xen (no PV log-dirty); shown instead: the typed error "
          + e.errorName() + " (" + e.code() + ") with the guest not suspended: " + e.getMessage());
    }
  }

  /** Skips in {@link #hypervisor()}, the first call the contract makes; holds nothing to close. */
  private static final class SkippingFixture implements HypervisorFixture {
    @Override
    public Hypervisor hypervisor() {
      RealXen.assumePresent();
      throw new AssertionError("unreachable");
    }

    @Override
    public DiskImages images() {
      throw new AssertionError("unreachable");
    }

    @Override
    public DomainRef startDomain() {
      throw new AssertionError("unreachable");
    }

    @Override
    public Path scratchDirectory() {
      throw new AssertionError("unreachable");
    }

    @Override
    public void close() {}
  }
}
