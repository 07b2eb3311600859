package io.github.xlsnap.cfg.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.cfg.DomainXlConfig;
import io.github.xlsnap.cfg.XlConfig;
import org.junit.jupiter.api.Test;

/** The benchmark's input is what it claims: 1 MiB that parses, with thousands of disks. Not timed. */
class RealisticConfigTest {
  @Test
  void generatesAParsableMebibyteWithManyKeysListsAndDisks() {
    String text = RealisticConfig.generate(XlConfigBenchmark.SIZE);
    assertThat(text.length()).isBetween(XlConfigBenchmark.SIZE, XlConfigBenchmark.SIZE + 4096);
    XlConfig config = XlConfig.parse(text, "bench.cfg");
    assertThat(config.keys()).hasSizeGreaterThan(10_000);
    DomainXlConfig domain = DomainXlConfig.of(config);
    assertThat(domain.disks()).hasSizeGreaterThan(3_000);
    assertThat(domain.name()).contains("bench");
    assertThat(config.getList("guest1.cpus").orElseThrow()).hasSize(3);
  }
}
