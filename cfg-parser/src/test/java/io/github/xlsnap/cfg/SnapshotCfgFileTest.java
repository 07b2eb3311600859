package io.github.xlsnap.cfg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.CreateSpec;
import io.github.xlsnap.core.DiskSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotCfgFileTest {
  private static CreateSpec parse(String text) {
    return SnapshotCfgFile.parse(text, "snap.cfg");
  }

  @Test
  void readsTheSeedTemplate() {
    CreateSpec s = parse("""
        #snapshot name
        name="before-upgrade"
        description="pre 2.0"
        memory_path="/var/lib/xen/snap/mem"
        disks=['sda,1,qcow2,/tmp/sda_snapshot.qcow2','sdb,0']
        """);
    assertThat(s.name()).contains("before-upgrade");
    assertThat(s.description()).contains("pre 2.0");
    assertThat(s.memoryPath()).contains(Path.of("/var/lib/xen/snap/mem"));
    assertThat(s.disks().orElseThrow()).containsExactly(
        DiskSpec.external("sda", Path.of("/tmp/sda_snapshot.qcow2")), DiskSpec.internal("sdb"));
  }

  @Test
  void readsTheRfcDiskForm() {
    CreateSpec s = parse("disks=['/tmp/hda.qcow2,qcow2,hda', ',,hdb']\n");
    assertThat(s.disks().orElseThrow()).containsExactly(
        DiskSpec.external("hda", Path.of("/tmp/hda.qcow2")), DiskSpec.internal("hdb"));
  }

  @Test
  void emptyStringsLeaveDefaults() {
    assertThat(parse("name=\"\"\ndescription=\"\"\nmemory_path=\"\"\n")).isEqualTo(CreateSpec.DEFAULTS);
  }

  @Test
  void cfgfileWinsOverCommandLineOptions() {
    CreateSpec options = CreateSpec.builder().name("from-cli").live(true).build();
    CreateSpec merged = parse("name='from-file'\n").overriding(options);
    assertThat(merged.name()).contains("from-file");
    assertThat(merged.live()).contains(true);
  }

  @Test
  void validationErrorsNameKeyAndLine() {
    List<String[]> cases = List.of(
        new String[] {"memory=1\n", "memory: unknown key"},
        new String[] {"disks=['sda,1,qcow2']\n", "no path"},
        new String[] {"disks=['sda,1']\n", "no path"},
        new String[] {"disks=['sda,1,raw,/x']\n", "not supported"},
        new String[] {"disks=['sda,1,vmdk,/x']\n", "not supported"},
        new String[] {"disks=['sda,0','sda,1,qcow2,/x']\n", "listed twice"},
        new String[] {"disks=['sda,1,qcow2,x.qcow2']\n", "relative"},
        new String[] {"memory_path='mem'\n", "relative"},
        new String[] {"name='a/b'\n", "'/'"},
        new String[] {"name='..'\n", "reserved"},
        new String[] {"disks=['sda,0,qcow2,/x']\n", "internal"},
        new String[] {"disks=['sda']\n", "not a disk spec"},
        new String[] {"disks='sda,0'\n", "expected a list"});
    for (String[] c : cases) {
      assertThatThrownBy(() -> parse(c[0])).as(c[0]).isInstanceOf(ConfigValueException.class)
          .hasMessageStartingWith("snap.cfg:1:").hasMessageContaining(c[1]);
    }
  }
}
