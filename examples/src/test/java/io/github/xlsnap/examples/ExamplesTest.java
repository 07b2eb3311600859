package io.github.xlsnap.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DomainSelector;
import io.github.xlsnap.core.RiskyRevertException;
import io.github.xlsnap.core.Snapshot;
import io.github.xlsnap.core.SnapshotManager;
import io.github.xlsnap.core.sim.SimDiskSpec;
import io.github.xlsnap.core.sim.SimDomainSpec;
import io.github.xlsnap.core.sim.SimulatedHypervisor;
import io.github.xlsnap.store.JsonSnapshotStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example programs run as written against the simulated host. */
class ExamplesTest {
  @TempDir Path dir;
  SimulatedHypervisor host;
  SnapshotManager manager;
  final DomainSelector web = DomainSelector.byName("web");

  @BeforeEach
  void setUp() {
    host = SimulatedHypervisor.open(dir.resolve("host"));
    host.createDomain(SimDomainSpec.of("web", 64 * 1024, SimDiskSpec.qcow2("xvda", 1 << 20)));
    host.createDomain(SimDomainSpec.of("db", 64 * 1024, SimDiskSpec.qcow2("xvda", 1 << 20)));
    manager = SnapshotManager.builder(host, JsonSnapshotStore.open(dir.resolve("snapshots"))).build();
  }

  @AfterEach
  void tearDown() {
    host.close();
  }

  @Test
  void retentionJobKeepsTheNewestSnapshotsOfEveryDomain() {
    for (String n : List.of("s1", "s2", "s3", "s4")) {
      manager.create(web, CreateSpec.builder().name(n).build());
    }
    manager.create(DomainSelector.byName("db"), CreateSpec.builder().name("only").build());

    Map<String, List<String>> report = new RetentionJob(host, manager, 2).run();

    assertThat(report).containsEntry("web", List.of("s1", "s2")).containsEntry("db", List.of());
    assertThat(manager.list(web, io.github.xlsnap.core.ListQuery.all())).extracting(Snapshot::name)
        .containsExactly("s3", "s4");
    assertThat(manager.tree(web).parent("s3")).isEmpty();
    assertThatThrownBy(() -> new RetentionJob(host, manager, 0)).hasMessageContaining("at least 1");
  }

  @Test
  void typedErrorsDriveTheCallersChoices() throws Exception {
    assertThat(TypedErrorsExample.createWithFreeName(manager, web, "base").name()).isEqualTo("base");
    assertThat(TypedErrorsExample.createWithFreeName(manager, web, "base").name()).isEqualTo("base-2");

    Snapshot s = manager.info(web, "base");
    Files.delete(s.memoryImage().orElseThrow());
    assertThatThrownBy(() -> TypedErrorsExample.revertAccepting(manager, web, "base", r -> false))
        .isInstanceOf(RiskyRevertException.class);
    assertThat(TypedErrorsExample.revertAccepting(manager, web, "base", r -> r.contains("memory image")).name())
        .isEqualTo("web");
    assertThat(manager.current(web)).map(Snapshot::name).contains("base");
  }

  @Test
  void jsonStoreExampleReadsBackFromDisk() {
    Path root = dir.resolve("json-root");
    assertThat(JsonStoreExample.takeAndReadBack(host, root, web)).map(Snapshot::name).contains("nightly");
    assertThat(root.resolve(host.find(web).orElseThrow().ref().uuid().toString())
        .resolve("snapshotdata-nightly.libxl-json")).isRegularFile();
  }

  @Test
  void cfgFileExampleTakesTheSnapshotTheFileDescribes() throws Exception {
    Path cfg = dir.resolve("snap.cfg");
    Path overlay = dir.resolve("web-xvda.before.qcow2");
    Files.writeString(cfg, "name=\"before-upgrade\"\ndescription=\"from the cfgfile\"\n"
        + "disks=['xvda,1,qcow2," + overlay + "']\n");
    Snapshot s = CfgFileExample.create(manager, web, cfg, CreateSpec.builder().name("ignored").live(true).build());
    assertThat(s.name()).isEqualTo("before-upgrade");
    assertThat(s.live()).isTrue();
    assertThat(s.disk("xvda").orElseThrow().overlay()).contains(overlay);
    assertThat(overlay).isRegularFile();
    Files.writeString(cfg, "name=\"x\"\nName=\"y\"\n");
    assertThatThrownBy(() -> CfgFileExample.create(manager, web, cfg, CreateSpec.DEFAULTS))
        .isInstanceOf(io.github.xlsnap.cfg.ConfigSyntaxException.class).hasMessageContaining(cfg.toString())
        .hasMessageContaining(":2:");
  }
}
