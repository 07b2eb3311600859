package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.xlsnap.libxl.internal.LibxlVersion;
import io.github.xlsnap.libxl.internal.NativeLibraries;
import org.junit.jupiter.api.Test;

/**
 * The guarded buffers libxl fills, against the real libxenlight: the installed library's own
 * {@code libxl_domain_config_init} stays within the size the loaded version's layout gives, and a
 * library whose struct is larger than the binding knows (played by declaring the buffer too small)
 * is caught right after the call, with nothing overrun.
 */
class StructBufferTest {
  private final NativeLibraries natives = Libxl.natives();

  @Test
  void theLoadedVersionIsASupportedOne() {
    assertThat(LibxlVersion.supported()).contains(natives.version());
    assertThat(natives.version().soname()).startsWith("libxenlight.so.");
  }

  @Test
  void libxlsInitOfTheDomainConfigStaysWithinTheVersionsSize() {
    StructBuffer buffer = StructBuffer.allocate(natives.libc(), "libxl_domain_config",
        natives.version().layout().domainConfig());
    try {
      natives.libxenlight().libxl_domain_config_init(buffer.pointer());
      buffer.checkGuard("libxl_domain_config_init");
      natives.libxenlight().libxl_domain_config_dispose(buffer.pointer());
      buffer.checkGuard("libxl_domain_config_dispose");
    } finally {
      buffer.free();
    }
  }

  @Test
  void aStructLargerThanTheBindingKnowsIsCaughtAfterTheCallWithNothingOverrun() {
    int known = natives.version().layout().domainConfig();
    int tooSmall = known - 100; // as if the loaded library's struct were 100 bytes larger than known
    StructBuffer buffer = StructBuffer.allocate(natives.libc(), "libxl_domain_config", tooSmall);
    try {
      natives.libxenlight().libxl_domain_config_init(buffer.pointer());
      assertThatThrownBy(() -> buffer.checkGuard("libxl_domain_config_init"))
          .isInstanceOf(LibxlException.class)
          .hasMessageContaining("libxl_domain_config_init wrote at least " + known + " bytes of libxl_domain_config")
          .hasMessageContaining("which has " + tooSmall)
          .hasMessageContaining("nothing was overrun");
    } finally {
      buffer.free();
    }
  }

  @Test
  void writesWithinTheStructPassAndAnyByteOfTheGuardZoneIsFound() {
    StructBuffer buffer = StructBuffer.allocate(natives.libc(), "libxl_dominfo", 120);
    try {
      buffer.pointer().setMemory(0, 120, (byte) 0x01);
      buffer.checkGuard("filling the struct");
      buffer.pointer().putByte(120 + LibxlVersion.GUARD_BYTES - 1, (byte) 0);
      assertThatThrownBy(() -> buffer.checkGuard("writing the guard's last byte"))
          .isInstanceOf(LibxlException.class)
          .hasMessageContaining("at least " + (120 + LibxlVersion.GUARD_BYTES) + " bytes of libxl_dominfo");
    } finally {
      buffer.free();
    }
  }
}
