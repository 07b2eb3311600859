package io.github.xlsnap.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.core.spi.DomainMetadata;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ChainsTest {
  private static final UUID DOMAIN = UUID.fromString("5e9e4b3a-1c2d-4e5f-8a9b-0c1d2e3f4a5b");

  @Test
  void chainIsOneLineOfSnapshotsTheLastCurrent() {
    DomainMetadata md = Chains.chain(DOMAIN, 5, "xvda");

    assertThat(md.tree().topologicalOrder()).containsExactly("s0", "s1", "s2", "s3", "s4");
    assertThat(md.current()).contains("s4");
    assertThat(md.snapshots().get(0).parent()).isEmpty();
    assertThat(md.snapshots().get(4).parent()).contains("s3");
  }

  @Test
  void withChildAddsAChildOfTheCurrentSnapshotAndMakesItCurrent() {
    DomainMetadata md = Chains.withChild(Chains.chain(DOMAIN, 3, "xvda"), "next", "xvda");

    assertThat(md.current()).isEqualTo(Optional.of("next"));
    assertThat(md.tree().topologicalOrder()).containsExactly("s0", "s1", "s2", "next");
    assertThat(md.snapshots().stream().filter(s -> s.name().equals("s2")).findFirst().orElseThrow().children())
        .containsExactly("next");
  }
}
