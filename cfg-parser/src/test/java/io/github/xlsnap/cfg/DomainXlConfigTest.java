package io.github.xlsnap.cfg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.core.DiskFormat;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DomainXlConfigTest {
  @Test
  void readsTheKeysXlsnapNeedsAndKeepsTheRest() {
    DomainXlConfig d = DomainXlConfig.of(XlConfig.parse("""
        name = "guest"
        uuid = "6b9f4f6e-8c44-4b5c-9d3a-3d1ae0b1e1a7"
        builder = "hvm"
        memory = 1024
        maxmem = 2048
        vcpus = 2
        kernel = "/boot/vmlinuz"
        on_crash = "restart"
        disk = [ '/dev/vg/guest,raw,xvda,rw', 'format=qcow2, vdev=xvdb, access=ro, target=/img/b,c.qcow2',
                 ',,hdc,cdrom' ]
        """, "guest.cfg"));
    assertThat(d.name()).contains("guest");
    assertThat(d.type()).contains("hvm");
    assertThat(d.memoryMib()).hasValue(1024);
    assertThat(d.maxMemoryMib()).hasValue(2048);
    assertThat(d.vcpus()).hasValue(2);
    assertThat(d.kernel()).contains("/boot/vmlinuz");
    assertThat(d.config().getString("on_crash")).contains("restart");
    assertThat(d.disks()).hasSize(3);
    XlDisk b = d.disks().get(1);
    assertThat(b.target()).contains("/img/b,c.qcow2");
    assertThat(b.vdev()).isEqualTo("xvdb");
    assertThat(b.format()).isEqualTo(DiskFormat.QCOW2);
    assertThat(b.readWrite()).isFalse();
    assertThat(b.toDomainDisk().image()).contains(Path.of("/img/b,c.qcow2"));
    XlDisk cd = d.disks().get(2);
    assertThat(cd.cdrom()).isTrue();
    assertThat(cd.format()).isEqualTo(DiskFormat.EMPTY);
    assertThat(cd.toDomainDisk().readOnly()).isTrue();
  }

  @Test
  void badDiskSpecNamesTheItemAndLine() {
    assertThatThrownBy(() -> DomainXlConfig.of(XlConfig.parse("name='g'\ndisk=['/a,foo,xvda']\n", "g.cfg")))
        .isInstanceOf(ConfigValueException.class)
        .hasMessageStartingWith("g.cfg:2:7: disk[0]: unknown value for format");
  }

  @Test
  void diskSpecRules() {
    assertThat(XlDisk.parse("raw:/dev/vg/g,hda,w").target()).contains("/dev/vg/g");
    assertThat(XlDisk.parse("iscsi:iqn.x,xvda").script()).contains("block-iscsi");
    assertThat(XlDisk.parse("vdev=xvda,/a").target()).contains("/a");
    assertThatThrownBy(() -> XlDisk.parse("/a")).hasMessageContaining("no vdev");
    assertThatThrownBy(() -> XlDisk.parse("vdev=xvda")).hasMessageContaining("no target");
    assertThatThrownBy(() -> XlDisk.parse("vdev=a,vdev=b,/x")).hasMessageContaining("vdev respecified");
    assertThatThrownBy(() -> XlDisk.parse("/a,raw,xvda,rw,extra")).hasMessageContaining("too many positional");
    assertThatThrownBy(() -> XlDisk.parse("x:/a,xvda")).hasMessageContaining("unknown deprecated disk prefix");
  }

  @Test
  void aNulCharacterInADiskSpecIsRejectedNotAnInvalidPath() {
    // Found by XlConfigFuzzTest: toDomainDisk threw InvalidPathException on the target.
    assertThatThrownBy(() -> XlDisk.parse("/dev/vg/gu\0est,raw,xvda,rw"))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
  }
}
