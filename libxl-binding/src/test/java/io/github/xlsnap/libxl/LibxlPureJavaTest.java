package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.xlsnap.core.DiskFormat;
import io.github.xlsnap.core.HypervisorException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The parts of the backend that need no native code: save-file header, JSON edits, diagnosis, replies. */
class LibxlPureJavaTest {
  private static final String CONFIG = """
      {"c_info": {"type": "pv", "name": "vm1", "domid": 7, "uuid": "5e9e4b3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b"},
       "disks": [{"pdev_path": "/img/a.qcow2", "vdev": "xvda", "format": "qcow2", "readwrite": 1},
                 {"pdev_path": "/img/b.raw", "vdev": "xvdb", "format": "raw"}]}
      """;

  @TempDir Path dir;

  @Test
  void saveFileHeaderIsXlsFormat() throws Exception {
    byte[] header = XlSaveFile.header("{}");

    assertThat(Arrays.copyOf(header, 32)).isEqualTo("Xen saved domain, xl format\n \0 \r".getBytes(StandardCharsets.ISO_8859_1));
    ByteBuffer b = ByteBuffer.wrap(header, 32, header.length - 32).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(b.getInt()).isEqualTo(0x01020304);
    assertThat(b.getInt()).as("mandatory flags JSON|STREAMv2").isEqualTo(3);
    assertThat(b.getInt()).isZero();
    assertThat(b.getInt()).as("optional data length").isEqualTo(4 + 3);
    assertThat(b.getInt()).as("config length with the NUL").isEqualTo(3);
    assertThat(header).hasSize(48 + 4 + 3).endsWith('{', '}', 0);
  }

  @Test
  void saveFileHeaderReadsBackWithTheStreamOffset() throws Exception {
    Path file = dir.resolve("m.save");
    byte[] header = XlSaveFile.header(CONFIG);
    Files.write(file, concat(header, "LibxlFmt...".getBytes(StandardCharsets.US_ASCII)));

    XlSaveFile read = XlSaveFile.read(file);

    assertThat(read.configuration()).contains(CONFIG);
    assertThat(read.configurationIsJson()).isTrue();
    assertThat(read.streamVersion()).isEqualTo(2);
    assertThat(read.streamOffset()).isEqualTo(header.length);
  }

  @Test
  void saveFileReaderRejectsWrongMagicUnknownFlagsAndTruncation() throws Exception {
    Path file = dir.resolve("bad.save");
    byte[] header = XlSaveFile.header(CONFIG);

    Files.write(file, "not a save file, just some text to fill 48 bytes..".getBytes(StandardCharsets.US_ASCII));
    assertThatThrownBy(() -> XlSaveFile.read(file)).isInstanceOf(HypervisorException.class).hasMessageContaining("magic");

    byte[] flags = header.clone();
    flags[36] = 7;
    Files.write(file, flags);
    assertThatThrownBy(() -> XlSaveFile.read(file)).hasMessageContaining("mandatory flags");

    Files.write(file, Arrays.copyOf(header, header.length - 5));
    assertThatThrownBy(() -> XlSaveFile.read(file)).hasMessageContaining("truncated");

    assertThatThrownBy(() -> XlSaveFile.read(dir.resolve("missing.save"))).isInstanceOf(HypervisorException.class);
  }

  @Test
  void configWithoutDomidDropsOnlyTheDomid() throws Exception {
    var tree = new ObjectMapper().readTree(ConfigJson.withoutDomid(CONFIG));

    assertThat(tree.path("c_info").has("domid")).isFalse();
    assertThat(tree.path("c_info").path("name").asText()).isEqualTo("vm1");
    assertThat(tree.path("disks")).hasSize(2);
  }

  @Test
  void diskOverridesReplaceThePdevPathOfThatVdevOnly() throws Exception {
    var tree = new ObjectMapper().readTree(ConfigJson.withDiskImages(CONFIG, Map.of("xvda", Path.of("/img/ovl.qcow2"))));

    assertThat(tree.path("disks").get(0).path("pdev_path").asText()).isEqualTo("/img/ovl.qcow2");
    assertThat(tree.path("disks").get(1).path("pdev_path").asText()).isEqualTo("/img/b.raw");
    assertThatThrownBy(() -> ConfigJson.withDiskImages(CONFIG, Map.of("xvdz", Path.of("/x"))))
        .hasMessageContaining("xvdz");
  }

  @Test
  void theStoredConfigurationGetsEachDisksImageAndFormatAndIsLeftAsItIsWhenNothingChanges() throws Exception {
    String raw = CONFIG;
    String updated = ConfigJson.withDiskImagesAndFormats(raw,
        Map.of("xvdb", new ConfigJson.DiskImage(Path.of("/img/b.xlsnap-1.qcow2"), "qcow2")));

    var tree = new ObjectMapper().readTree(updated);
    assertThat(tree.path("disks").get(1).path("pdev_path").asText()).isEqualTo("/img/b.xlsnap-1.qcow2");
    assertThat(tree.path("disks").get(1).path("format").asText()).isEqualTo("qcow2");
    assertThat(tree.path("disks").get(0)).isEqualTo(new ObjectMapper().readTree(raw).path("disks").get(0));
    assertThat(ConfigJson.diskImages(updated)).containsExactly(Map.entry("xvda", "/img/a.qcow2"),
        Map.entry("xvdb", "/img/b.xlsnap-1.qcow2"));
    assertThat(ConfigJson.withDiskImagesAndFormats(updated,
        Map.of("xvdb", new ConfigJson.DiskImage(Path.of("/img/b.xlsnap-1.qcow2"), "qcow2")))).isSameAs(updated);
    assertThatThrownBy(() -> ConfigJson.withDiskImagesAndFormats(raw,
        Map.of("xvdz", new ConfigJson.DiskImage(Path.of("/x"), "qcow2")))).hasMessageContaining("xvdz");
  }

  @Test
  void configurationChangesIgnoreDomidAndDiskImagesButNotMemoryOrDevices() {
    String overlaid = ConfigJson.withDiskImages(CONFIG.replace("\"domid\": 7", "\"domid\": 9")
        .replace("\"format\": \"raw\"", "\"format\": \"qcow2\""), Map.of("xvdb", Path.of("/img/b.xlsnap-1.qcow2")));
    assertThat(ConfigJson.changes(CONFIG, overlaid, 10)).isEmpty();
    String changed = CONFIG.replace("\"type\": \"pv\"", "\"type\": \"pvh\"").replace(", \"readwrite\": 1", "");
    assertThat(ConfigJson.changes(CONFIG, changed, 10))
        .containsExactly("/c_info/type: \"pv\" then, \"pvh\" now", "/disks/0/readwrite: 1 then, (none) now");
    assertThat(ConfigJson.changes(CONFIG, changed, 1)).hasSize(1);
  }

  @Test
  void diskFormatsComeFromTheStoredConfigurationByVdev() {
    assertThat(ConfigJson.diskFormats(CONFIG)).containsExactly(Map.entry("xvda", "qcow2"), Map.entry("xvdb", "raw"));
    assertThat(LibxlHypervisor.formatOf("qcow2")).isEqualTo(DiskFormat.QCOW2);
    assertThat(LibxlHypervisor.formatOf(null)).isEqualTo(DiskFormat.UNKNOWN);
  }

  @Test
  void hostCheckNamesPrivcmdThenXenstored() throws Exception {
    assertThat(HostCheck.diagnose(dir, -3, "d")).hasValueSatisfying(e -> {
      assertThat(e.missing()).isEqualTo("/dev/xen/privcmd");
      assertThat(e.debianPackage()).isEqualTo("xen-system-amd64");
    });
    Files.createDirectories(dir.resolve("dev/xen"));
    Files.createFile(dir.resolve("dev/xen/privcmd"));
    assertThat(HostCheck.diagnose(dir, -3, "d")).hasValueSatisfying(e -> {
      assertThat(e.missing()).isEqualTo("xenstored");
      assertThat(e.debianPackage()).isEqualTo("xen-utils-4.17");
    });
    Files.createDirectories(dir.resolve("run/xenstored"));
    Files.createFile(dir.resolve("run/xenstored/socket"));
    assertThat(HostCheck.diagnose(dir, -3, "d")).isEmpty();
  }

  @Test
  void hmpSnapshotRepliesAreErrorsUnlessBlank() {
    assertThat(HmpReply.error("")).isEmpty();
    assertThat(HmpReply.error("\r\n")).isEmpty();
    assertThat(HmpReply.error("Error: Cannot find device='xvda' nor node-name='xvda'\r\n"))
        .contains("Error: Cannot find device='xvda' nor node-name='xvda'");
    assertThat(HmpReply.nodeName("xvda", "qcow2")).isEqualTo("xvda-qcow2");
  }

  @Test
  void libxlLogLinesAreReadByLevel() {
    assertThat(XtlLog.levelOf("libxl: error: libxl.c:102:libxl_ctx_alloc: cannot open libxc handle")).isEqualTo("error");
    assertThat(XtlLog.levelOf("xc: detail: fd 12, dom 6, flags 1, hvm 0")).isEqualTo("detail");
    assertThat(XtlLog.levelOf("something else")).isEmpty();
  }

  @Test
  void errorCodesMapByValueAndUnknownCodesStayRaw() {
    assertThat(LibxlError.fromCode(-21)).contains(LibxlError.DOMAIN_NOTFOUND);
    assertThat(LibxlError.fromCode(-99)).isEmpty();
    LibxlException e = new LibxlException("libxl_domain_suspend", -8, "guest timed out", "checkpoint failed");
    assertThat(e.code()).isEqualTo(-8);
    assertThat(e.operation()).isEqualTo("libxl_domain_suspend");
    assertThat(e.error()).contains(LibxlError.GUEST_TIMEDOUT);
    assertThat(e.getMessage()).contains("-8").contains("guest timed out");
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
