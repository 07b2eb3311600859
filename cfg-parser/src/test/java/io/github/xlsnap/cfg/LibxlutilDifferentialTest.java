package io.github.xlsnap.cfg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.longs;

import io.github.xlsnap.cfg.internal.CLong;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * xlsnap against the real libxlutil 4.17 (Debian libxen-dev): on the xlexample corpus, hand-written
 * configs and generated ones, xlsnap must accept exactly what libxlutil accepts and read the same
 * keys, strings, lists, numbers and disk fields.
 */
class LibxlutilDifferentialTest {
  static final List<String> KEYS = List.of("a", "b", "name", "disk", "x.y", "l_2");

  @Test
  void debianXlexamplesAndHandWrittenCorpusReadTheSame() throws IOException {
    Path hvm = Path.of("/etc/xen/xlexample.hvm");
    assertThat(hvm).as("the Xen example configs: install the Debian package xen-utils-common").exists();
    List<Path> corpus = new ArrayList<>();
    try (Stream<Path> s = Files.list(Path.of("/etc/xen"))) {
      s.filter(p -> p.getFileName().toString().startsWith("xlexample.")).forEach(corpus::add);
    }
    try (Stream<Path> s = Files.list(Path.of("src/test/resources/corpus"))) {
      s.forEach(corpus::add);
    }
    int disks = 0;
    for (Path f : corpus) {
      String text = Files.readString(f, StandardCharsets.UTF_8);
      XlConfig c = compareConfig(text);
      assertThat(c).as("%s is accepted", f).isNotNull();
      if (c.get("disk").isPresent()) {
        List<String> specs = c.getStringList("disk").orElseThrow();
        compareDisks(specs);
        disks += specs.size();
      }
    }
    assertThat(corpus).hasSizeGreaterThanOrEqualTo(5);
    assertThat(disks).isGreaterThanOrEqualTo(10);
  }

  @Test
  void generatedWellFormedConfigsReadTheSame() {
    theory().withExamples(150).forAll(longs().all()).checkAssert(seed -> compareConfig(Generators.config(new Random(seed))));
  }

  @Test
  void generatedTokenSoupIsAcceptedOrRejectedAlike() {
    theory().withExamples(200).forAll(longs().all()).checkAssert(seed -> compareConfig(Generators.soup(new Random(seed))));
  }

  @Test
  void writerOutputReadsTheSameInLibxlutil() {
    theory().withExamples(100).forAll(longs().all()).checkAssert(seed -> {
      String text = XlConfigWriter.write(Generators.values(new Random(seed)));
      assertThat(compareConfig(text)).as(text).isNotNull();
    });
  }

  @Test
  void generatedDiskSpecsParseTheSame() {
    theory().withExamples(60).forAll(longs().all()).checkAssert(seed -> {
      Random r = new Random(seed);
      List<String> specs = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        specs.add(Generators.diskSpec(r));
      }
      compareDisks(specs);
    });
  }

  @Test
  void legacyVdevWithADeviceTypeParsesTheSame() {
    // xl-disk-configuration(5)'s deprecated "<vdev>:<devtype>": libxlutil reads vdev hdc, a cdrom
    compareDisks(List.of("/dev/sdb,,hdc:cdrom,r", ",,hdd:cdrom,r", ",hdc:cdrom,r", ",hdc:disk", ",,hdc:disk",
        "/a.img,raw,xvda:disk,w", "/a,qcow2,hdc:cdrom", "file:/a,hdc:cdrom,r", "file:/a,hdc:disk",
        "/a,,x:y:cdrom,r", "/a,,hdc:cdrom:cdrom", "/a,,:cdrom,r", "/a,,hdc:cdrom,w", "/a,raw,hdc:cdrom,devtype=disk",
        "/a,,vdev=hdc:cdrom", "/a,,xvda:foo,w", "/a,hdc:cdrom", ",,,hdc:cdrom", "hdc:cdrom", "vdev=xvda,,hdc:cdrom",
        "/a,,hdc:,r", "/a,,hdc:CDROM", "/a,,hdc:cdrom,r,extra"));
    XlDisk d = XlDisk.parse("/dev/sdb,,hdc:cdrom,r");
    assertThat(d.vdev()).isEqualTo("hdc");
    assertThat(d.cdrom()).isTrue();
  }

  /**
   * QuickTheories with a fixed seed, so that a build is repeatable; set {@code -Dxlsnap.qtSeed=<n>}
   * to explore with another seed (a difference found that way becomes a unit test and a fix).
   */
  private static org.quicktheories.QuickTheory theory() {
    return qt().withFixedSeed(Long.getLong("xlsnap.qtSeed", 20261125L));
  }

  /** Compares one text; returns xlsnap's config if both accept it, null if both reject it. */
  static XlConfig compareConfig(String text) {
    XlConfig java;
    try {
      java = XlConfig.parse(text, "t.cfg");
    } catch (ConfigSyntaxException e) {
      java = null;
    }
    Set<String> keys = new LinkedHashSet<>(KEYS);
    if (java != null) {
      keys.addAll(java.keys());
    }
    List<Map<String, Object>> oracle = Libxlutil.cfg(text, List.copyOf(keys));
    long rc = (Long) oracle.get(0).get("parse");
    assertThat(rc == 0).as("libxlutil accepts %s (its report: %s)", show(text), oracle.get(0).get("report"))
        .isEqualTo(java != null);
    if (java == null) {
      return null;
    }
    for (Map<String, Object> k : oracle.subList(1, oracle.size())) {
      String key = (String) k.get("key");
      Optional<ConfigValue> v = java.get(key);
      String what = key + " in " + show(text);
      if (v.isEmpty()) {
        assertThat(k.get("string_rc")).as(what).isEqualTo(3L);
        assertThat(k.get("list_rc")).as(what).isEqualTo(3L);
      } else if (v.get() instanceof ConfigValue.Atom a) {
        assertThat(k.get("string")).as(what).isEqualTo(a.text());
        assertThat(k.get("list_rc")).as(what).isEqualTo(22L);
        boolean appended = java.statements().stream().filter(st -> st.key().equals(key))
            .reduce((x, y) -> y).orElseThrow().append();
        CLong.Result l = appended ? new CLong.Result(CLong.Status.INVALID, 0) : CLong.strtol(a.text());
        long expectedRc = switch (l.status()) {
          case OK -> 0L;
          case INVALID -> 22L;
          case RANGE -> 34L;
        };
        assertThat(k.get("long_rc")).as("get_long " + what).isEqualTo(expectedRc);
        if (expectedRc == 0) {
          assertThat(k.get("long")).as(what).isEqualTo(Long.toString(l.value()));
        }
      } else {
        assertThat(k.get("string_rc")).as(what).isEqualTo(22L);
        assertThat(k.get("list")).as(what).isEqualTo(plain(v.get()));
      }
    }
    return java;
  }

  static void compareDisks(List<String> specs) {
    List<Map<String, Object>> oracle = Libxlutil.disks(specs);
    assertThat(oracle).hasSize(specs.size());
    for (int i = 0; i < specs.size(); i++) {
      Map<String, Object> o = oracle.get(i);
      String spec = specs.get(i);
      XlDisk d;
      try {
        d = XlDisk.parse(spec);
      } catch (IllegalArgumentException e) {
        assertThat(o.get("rc")).as("libxlutil rejects %s too (xlsnap: %s)", show(spec), e.getMessage()).isEqualTo(22L);
        continue;
      }
      assertThat(o.get("rc")).as("libxlutil accepts %s (its report: %s)", show(spec), o.get("report")).isEqualTo(0L);
      Map<String, Object> mine = new HashMap<>();
      mine.put("pdev_path", d.target().orElse(null));
      mine.put("vdev", d.vdev());
      mine.put("format", (long) d.format().code());
      mine.put("backend", (long) d.backend().map(b -> List.of("", "phy", "tap", "qdisk", "standalone").indexOf(b)).orElse(0));
      mine.put("script", d.script().orElse(null));
      mine.put("backend_domname", d.backendDomain().orElse(null));
      mine.put("readwrite", d.readWrite() ? 1L : 0L);
      mine.put("is_cdrom", d.cdrom() ? 1L : 0L);
      mine.put("removable", d.removable() ? 1L : 0L);
      mine.put("direct_io_safe", d.directIoSafe());
      mine.put("discard_enable", d.discard().orElse(null));
      mine.put("specification", (long) d.specification().map(s -> List.of("", "xen", "virtio").indexOf(s)).orElse(0));
      mine.put("transport", 0L);
      for (Map.Entry<String, Object> e : mine.entrySet()) {
        assertThat(o.get(e.getKey())).as("%s of %s", e.getKey(), show(spec)).isEqualTo(e.getValue());
      }
    }
  }

  private static Object plain(ConfigValue v) {
    if (v instanceof ConfigValue.Atom a) {
      return a.text();
    }
    List<Object> out = new ArrayList<>();
    for (ConfigValue item : ((ConfigValue.ListValue) v).items()) {
      out.add(plain(item));
    }
    return out;
  }

  private static String show(String s) {
    return "<<" + s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + ">>";
  }
}
