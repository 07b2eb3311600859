package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * libxc's progress reports as the stdiostream logger prints them (not on a terminal: one message per
 * report, a report at the same percentage as the one before left out), read for a save's rounds and
 * the moment the domain suspended.
 */
class SaveProgressTest {
  private static SaveProgress.Line at(long nanos, String text) {
    return new SaveProgress.Line(nanos, text);
  }

  @Test
  void aLiveSavesRoundsAndSuspensionComeFromTheLastIterationAndTheSuspendedReport() {
    // as libxc 4.17 reports a live save of a PVH guest: rounds 1 to 4 end at 100% like round 0, so the
    // logger leaves them out; the suspension (0%) and the final round (100%) are printed
    List<SaveProgress.Line> lines = List.of(
        at(100, "xc: progress: Frames iteration 0: 0/1044480    0%"),
        at(150, "xc: detail: Frames iteration 0: 10444/1044480    1%"),
        at(200, "xc: progress: Frames iteration 0: 1044480/1044480  100%"),
        at(300, "xc: progress: Domain now suspended: 0/0    0%"),
        at(320, "xc: progress: Frames iteration 5: 416/416  100%"));

    SaveProgress p = SaveProgress.of(lines);

    assertThat(p.rounds()).hasValue(6);
    assertThat(p.suspendedAt()).hasValue(300);
  }

  @Test
  void aStoppedSaveHasOneRoundAndSuspendsFirst() {
    SaveProgress p = SaveProgress.of(List.of(
        at(10, "xc: progress: Domain now suspended: 0/0    0%"),
        at(20, "xc: progress: Frames iteration 0: 0/32768    0%"),
        at(90, "xc: progress: Frames iteration 0: 32768/32768  100%")));

    assertThat(p.rounds()).hasValue(1);
    assertThat(p.suspendedAt()).hasValue(10);
  }

  @Test
  void noReportsSayNothing() {
    SaveProgress p = SaveProgress.of(List.of(at(1, "xc: info: Saving domain 1, type x86 HVM")));

    assertThat(p.rounds()).isEmpty();
    assertThat(p.suspendedAt()).isEmpty();
  }

  @Test
  void progressLinesAreToldFromMessages() {
    assertThat(XtlLog.isProgress("xc: progress: Frames iteration 1: 253/253  100%")).isTrue();
    assertThat(XtlLog.isProgress("xc: detail: Frames iteration 0: 10444/1044480    1%")).isTrue();
    assertThat(XtlLog.isProgress("xc: progress: Domain now suspended: 0/0    0%")).isTrue();
    assertThat(XtlLog.isProgress("xc: detail: 64 bits, 4 levels")).isFalse();
    assertThat(XtlLog.isProgress("xc: error: Save failed (22 = Invalid argument): Internal error")).isFalse();
  }
}
