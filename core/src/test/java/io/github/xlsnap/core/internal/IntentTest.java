package io.github.xlsnap.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.XlsnapException;
import io.github.xlsnap.core.spi.DiskSnapshotRequest;
import io.github.xlsnap.core.spi.DomainConfiguration;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The operation record's text: both formats read, each variant written in its own. */
class IntentTest {
  private static Intent.Revert revert(Optional<Path> rollbackMemory) {
    return new Intent.Revert("a", 7, false, List.of(Path.of("/d/xvda.xlsnap-id1.qcow2")),
        List.of(DiskSnapshotRequest.internal("xvda", "xlsnap-rollback-id1")), Map.of("xvda", Path.of("/d/xvda.qcow2")),
        rollbackMemory, new DomainConfiguration("sim", "name=vm\n"), Intent.Revert.Phase.FORWARD);
  }

  @Test
  void aRevertWithRollbackMemoryKeepsFormat1AndAnOlderRecordStillReads() {
    Intent saved = revert(Optional.of(Path.of("/s/.rollback-id1.memory")));
    assertThat(saved.encode()).contains("format=xlsnap-intent-1");
    assertThat(Intent.decode(saved.encode())).isEqualTo(saved);
    // as written before reverts of crashed domains existed
    String old = "domid=3\nfile.0=/s/.rollback-id2.memory\nformat=xlsnap-intent-1\noperation=REVERT\n"
        + "rollback_memory=/s/.rollback-id2.memory\nsnapshot=b\nwas_paused=true\nwith_memory=true\n"
        + "configuration.backend=sim\nconfiguration.content=x\n";
    Intent.Revert decoded = (Intent.Revert) Intent.decode(old);
    assertThat(decoded.rollbackMemory()).contains(Path.of("/s/.rollback-id2.memory"));
    assertThat(decoded.wasPaused()).isTrue();
  }

  @Test
  void aRevertOfACrashedInstanceIsFormat2WithoutRollbackMemory() {
    Intent saved = revert(Optional.empty());
    String text = saved.encode();
    assertThat(text).contains("format=xlsnap-intent-2").doesNotContain("rollback_memory");
    assertThat(Intent.decode(text)).isEqualTo(saved);
    assertThatThrownBy(() -> Intent.decode(text + "rollback_memory=/s/m\n")).isInstanceOf(XlsnapException.class)
        .hasMessageContaining("has rollback_memory");
    assertThatThrownBy(() -> Intent.decode(text.replace("xlsnap-intent-2", "xlsnap-intent-1")))
        .isInstanceOf(XlsnapException.class).hasMessageContaining("lacks rollback_memory");
  }

  @Test
  void aRevertBeingUndoneIsFormat3SoThatAnOlderVersionRefusesIt() {
    Intent.Revert undo = revert(Optional.of(Path.of("/s/.rollback-id1.memory"))).inPhase(Intent.Revert.Phase.UNDO);
    String text = undo.encode();
    assertThat(text).contains("format=xlsnap-intent-3").contains("phase=UNDO");
    assertThat(Intent.decode(text)).isEqualTo(undo);
    assertThatThrownBy(() -> Intent.decode(text.replace("xlsnap-intent-3", "xlsnap-intent-1")))
        .isInstanceOf(XlsnapException.class).hasMessageContaining("phase UNDO");
  }

  @Test
  void everyOperationRoundTripsAndNamesItself() {
    Intent create = new Intent.Create("s", 3, true, false, List.of(Path.of("/d/o.qcow2")),
        List.of(DiskSnapshotRequest.external("xvda", Path.of("/d/o.qcow2")), DiskSnapshotRequest.internal("xvdb", "t")));
    Intent delete = new Intent.Delete("s", 0, List.of("s", "t"),
        List.of(Map.entry(Path.of("/d/a.qcow2"), "xlsnap-1"), Map.entry(Path.of("/d/m.memory"), "")), List.of());
    Intent uncertain = new Intent.Delete("s", 4, List.of("s"), List.of(), List.of(Path.of("/d/o.qcow2")));
    assertThat(uncertain.encode()).contains("format=xlsnap-intent-3").contains("uncertain.0=/d/o.qcow2");
    assertThat(Intent.decode(uncertain.encode())).isEqualTo(uncertain);
    Intent rebasing = new Intent.Delete("s", 4, List.of("s"), List.of(), List.of(),
        List.of(Path.of("/d/a.qcow2"), Path.of("/d/b.qcow2")));
    assertThat(rebasing.encode()).contains("rebased.0=/d/a.qcow2").contains("rebased.1=/d/b.qcow2");
    assertThat(Intent.decode(rebasing.encode())).isEqualTo(rebasing);
    assertThat(delete.encode()).contains("format=xlsnap-intent-1");
    assertThat(Intent.decode(create.encode())).isEqualTo(create);
    assertThat(Intent.decode(delete.encode())).isEqualTo(delete);
    assertThat(create.operation()).isEqualTo("create");
    assertThat(delete.operation()).isEqualTo("delete");
    assertThat(revert(Optional.empty()).operation()).isEqualTo("revert");
  }
}
