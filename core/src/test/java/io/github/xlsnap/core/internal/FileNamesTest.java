package io.github.xlsnap.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.strings;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Derived file names stay within NAME_MAX however long their source and however often derived. */
class FileNamesTest {
  private static int bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8).length;
  }

  @Test
  void aChainOfDerivedOverlayNamesNeverOutgrowsTheFileNameLimit() {
    qt().withFixedSeed(42).withExamples(300).forAll(strings().betweenCodePoints(0x20, 0x2FFFF).ofLengthBetween(1, 300).map(FileNamesTest::noLoneSurrogates),
        integers().between(1, 20)).assuming((name, n) -> name.indexOf('/') < 0 && wellFormed(name))
        .checkAssert((name, n) -> {
          String current = name;
          for (int i = 0; i < n; i++) {
            String next = FileNames.derive(current, "xlsnap-" + Integer.toHexString(i) + "0123456789ab", "qcow2");
            assertThat(bytes(next)).isLessThanOrEqualTo(FileNames.NAME_MAX);
            assertThat(next).endsWith(".qcow2");
            // well-formed UTF-16: no half of a surrogate pair left at the cut
            assertThat(wellFormed(next)).isTrue();
            current = next;
          }
        });
  }

  private static String noLoneSurrogates(String s) {
    StringBuilder b = new StringBuilder();
    s.codePoints().map(c -> c >= 0xD800 && c <= 0xDFFF ? 'x' : c).forEach(b::appendCodePoint);
    return b.toString();
  }

  private static boolean wellFormed(String s) {
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8).equals(s);
  }

  @Test
  void derivingFromADerivedNameDoesNotStackTags() {
    String first = FileNames.derive("vm-xvda.raw", "xlsnap-1", "qcow2");
    String second = FileNames.derive(first, "xlsnap-2", "qcow2");
    assertThat(first).isEqualTo("vm-xvda.xlsnap-1.qcow2");
    assertThat(second).isEqualTo("vm-xvda.xlsnap-2.qcow2");
  }

  @Test
  void aLongNameIsCutAtACharacterBoundaryKeepingTheSuffixWhole() {
    String name = "é".repeat(200); // 400 bytes
    String fitted = FileNames.fit(name, ".xlsnap-quarantined");
    assertThat(bytes(fitted)).isLessThanOrEqualTo(FileNames.NAME_MAX).isGreaterThan(FileNames.NAME_MAX - 2);
    assertThat(fitted).endsWith(".xlsnap-quarantined").startsWith("éé");
  }
}
