package io.github.xlsnap.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class DomainSelectorTest {

  @Test
  void parsesLikeXl() {
    assertThat(DomainSelector.parse("7")).isEqualTo(DomainSelector.byDomid(7));
    assertThat(DomainSelector.parse("0")).isEqualTo(DomainSelector.byDomid(0));
    UUID u = UUID.fromString("5e9e4b3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");
    assertThat(DomainSelector.parse(u.toString())).isEqualTo(DomainSelector.byUuid(u));
    assertThat(DomainSelector.parse(u.toString().toUpperCase())).isEqualTo(DomainSelector.byUuid(u));
    assertThat(DomainSelector.parse("web-1")).isEqualTo(DomainSelector.byName("web-1"));
    assertThat(DomainSelector.parse("1x")).isEqualTo(DomainSelector.byName("1x"));
  }

  @Test
  void refusesEmptyAndOutOfRange() {
    assertThatThrownBy(() -> DomainSelector.parse("")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> DomainSelector.parse("32752")).hasMessageContaining("out of range");
    assertThatThrownBy(() -> DomainSelector.parse("99999999999999999999")).hasMessageContaining("out of range");
  }

  @Test
  void stateLettersFollowXlList() {
    assertThat(DomainState.RUNNING.xlLetters()).isEqualTo("r-----");
    assertThat(DomainState.PAUSED.xlLetters()).isEqualTo("--p---");
    assertThat(DomainState.SUSPENDED.xlLetters()).isEqualTo("---s--");
    assertThat(new DomainState(false, false, false, true, Optional.of(ShutdownReason.CRASH)).xlLetters())
        .isEqualTo("----cd");
    assertThat(DomainState.SUSPENDED.isSuspended()).isTrue();
    assertThat(DomainState.SUSPENDED.isActive()).isFalse();
    assertThat(DomainState.PAUSED.word()).isEqualTo("paused");
  }

  @Test
  void enumsMapLibxlCodesByValueAndKeepUnknown() {
    assertThat(ShutdownReason.fromCode(2)).isEqualTo(ShutdownReason.SUSPEND);
    assertThat(ShutdownReason.fromCode(-1)).isEqualTo(ShutdownReason.UNKNOWN);
    assertThat(ShutdownReason.fromCode(42)).isEqualTo(ShutdownReason.UNKNOWN);
    assertThat(DiskFormat.fromCode(2)).isEqualTo(DiskFormat.QCOW2);
    assertThat(DiskFormat.fromCode(4)).isEqualTo(DiskFormat.RAW);
    assertThat(DiskFormat.fromCode(99)).isEqualTo(DiskFormat.UNKNOWN);
    assertThat(DiskFormat.fromXlName("QCOW2")).contains(DiskFormat.QCOW2);
    assertThat(DiskFormat.fromXlName("vmdk")).isEmpty();
  }
}
