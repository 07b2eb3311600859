package io.github.xlsnap.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.longs;
import static org.quicktheories.generators.SourceDSL.strings;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SnapshotNamesTest {

  @Test
  void acceptsOrdinaryNames() {
    assertThat(SnapshotNames.validate("before-upgrade")).isEqualTo("before-upgrade");
    assertThat(SnapshotNames.isValid("état initial ✓")).isTrue();
    assertThat(SnapshotNames.isValid("a".repeat(SnapshotNames.MAX_BYTES))).isTrue();
    assertThat(SnapshotNames.isValid(".hidden")).isTrue();
    assertThat(SnapshotNames.isValid("a-b-")).isTrue();
    assertThat(SnapshotNames.isValid("-x")).isFalse();
    assertThat(SnapshotNames.isValid("--force")).isFalse();
  }

  @Test
  void refusesEmptyReservedSlashControlAndLongNames() {
    assertThatThrownBy(() -> SnapshotNames.validate("")).isInstanceOf(InvalidSnapshotSpecException.class)
        .hasMessageContaining("empty");
    assertThatThrownBy(() -> SnapshotNames.validate(".")).hasMessageContaining("reserved");
    assertThatThrownBy(() -> SnapshotNames.validate("..")).hasMessageContaining("reserved");
    assertThatThrownBy(() -> SnapshotNames.validate("a/b")).hasMessageContaining("'/' at index 1");
    assertThatThrownBy(() -> SnapshotNames.validate("a\0b")).hasMessageContaining("U+0000");
    assertThatThrownBy(() -> SnapshotNames.validate("a\nb")).hasMessageContaining("U+000A");
    assertThatThrownBy(() -> SnapshotNames.validate("a".repeat(256))).hasMessageContaining("256 bytes");
    // 114 two-byte characters: 228 bytes although only 114 chars
    assertThatThrownBy(() -> SnapshotNames.validate("é".repeat(114))).hasMessageContaining("228 bytes");
    assertThatThrownBy(() -> SnapshotNames.validate("x\uD800")).hasMessageContaining("surrogate");
  }

  @Test
  void theLimitLeavesRoomForTheLongestFileMadeFromAName() {
    // the JSON store replaces snapshotdata-<name>.libxl-json through .snapshotdata-<name>.libxl-json.tmp
    String longest = ".snapshotdata-" + "a".repeat(SnapshotNames.MAX_BYTES) + ".libxl-json.tmp";
    assertThat(longest.length()).isEqualTo(SnapshotNames.NAME_MAX);
    assertThat(SnapshotNames.MAX_BYTES).isEqualTo(226);
    assertThatThrownBy(() -> SnapshotNames.validate("a".repeat(227))).hasMessageContaining("227 bytes")
        .hasMessageContaining("226");
    assertThat(SnapshotNames.isValid("a".repeat(230))).isFalse();
    assertThat(SnapshotNames.isValidStored("a".repeat(240))).as("an older version's name, as a reference").isTrue();
    assertThat(SnapshotNames.isValidStored("a".repeat(256))).isFalse();
    assertThat(SnapshotNames.isValidStored("a/b")).isFalse();
  }

  @Test
  void errorNamesTheField() {
    assertThatThrownBy(() -> SnapshotNames.validate("a/b"))
        .isInstanceOfSatisfying(InvalidSnapshotSpecException.class, e -> assertThat(e.field()).isEqualTo("name"));
  }

  @Test
  void defaultNameIsTheUtcCreationTimeAndUnique() {
    Instant t = Instant.parse("2026-11-25T22:31:05.123Z");
    assertThat(SnapshotNames.defaultName(t, Set.of())).isEqualTo("20261125T223105Z");
    assertThat(SnapshotNames.defaultName(t, Set.of("20261125T223105Z"))).isEqualTo("20261125T223105Z-2");
    assertThat(SnapshotNames.defaultName(t, Set.of("20261125T223105Z", "20261125T223105Z-2")))
        .isEqualTo("20261125T223105Z-3");
  }

  @Test
  void defaultNamesAreValidUniqueAndSortByTime() {
    qt().forAll(longs().between(0, 4_000_000_000L), integers().between(0, 5)).checkAssert((seconds, clashes) -> {
      Instant t = Instant.ofEpochSecond(seconds);
      Set<String> taken = new HashSet<>();
      for (int i = 0; i < clashes; i++) {
        taken.add(SnapshotNames.defaultName(t, taken));
      }
      String name = SnapshotNames.defaultName(t, taken);
      assertThat(SnapshotNames.isValid(name)).isTrue();
      assertThat(taken).doesNotContain(name);
      String later = SnapshotNames.defaultName(t.plusSeconds(1), Set.of());
      assertThat(SnapshotNames.defaultName(t, Set.of())).isLessThan(later);
    });
  }

  @Test
  void validNamesNeverContainSlashOrControlCharacters() {
    qt().forAll(strings().allPossible().ofLengthBetween(0, 40)).checkAssert(s -> {
      if (SnapshotNames.isValid(s)) {
        assertThat(s).isNotEmpty().doesNotContain("/").doesNotStartWith("-").isNotIn(".", "..");
        assertThat(s.codePoints().noneMatch(Character::isISOControl)).isTrue();
      } else {
        assertThatThrownBy(() -> SnapshotNames.validate(s)).isInstanceOf(InvalidSnapshotSpecException.class);
      }
    });
  }
}
