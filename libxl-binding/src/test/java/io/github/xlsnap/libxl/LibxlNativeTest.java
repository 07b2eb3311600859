package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.xlsnap.libxl.internal.Libc;
import io.github.xlsnap.libxl.internal.Libxenlight;
import io.github.xlsnap.libxl.internal.NativeLibraries;
import io.github.xlsnap.libxl.internal.Xentoollog;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Against the real libxenlight on a host without Xen: loading, symbols, error names, ctx failure. */
class LibxlNativeTest {

  @Test
  void drainWaitsUntilTheLinesAlreadyWrittenAreRead() {
    java.util.List<String> sunk = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (XtlLog log = XtlLog.open(Libxl.natives(), sunk::add)) {
      for (int round = 0; round < 50; round++) {
        String line = "xc: error: line " + round;
        log.writeForTest(line);

        log.drain();

        assertThat(log.recent()).last().isEqualTo(line);
      }
      assertThat(sunk).hasSize(50).noneMatch(l -> l.contains("xlsnap-drain"));
    }
  }

  @Test
  void theLibrariesLoadBySoname() {
    NativeLibraries natives = Libxl.natives();

    assertThat(natives.libxenlight()).isNotNull();
    assertThat(natives.xentoollog()).isNotNull();
  }

  @Test
  void everyBoundSymbolResolves() {
    assertThat(NativeLibraries.check(NativeLibraries.LIBXENLIGHT, Libxenlight.SYMBOLS)).isEmpty();
    assertThat(NativeLibraries.check(NativeLibraries.LIBXENTOOLLOG, Xentoollog.SYMBOLS)).isEmpty();
    assertThat(NativeLibraries.check(NativeLibraries.LIBC, Libc.SYMBOLS)).isEmpty();
  }

  @Test
  void theSymbolListsNameEveryBoundFunction() {
    assertThat(Libxenlight.SYMBOLS).containsExactlyInAnyOrderElementsOf(methods(Libxenlight.class));
    assertThat(Xentoollog.SYMBOLS).containsExactlyInAnyOrderElementsOf(methods(Xentoollog.class));
    assertThat(Libc.SYMBOLS).containsExactlyInAnyOrderElementsOf(methods(Libc.class));
  }

  @Test
  void aMissingSymbolOrLibraryIsReported() {
    assertThat(NativeLibraries.check(NativeLibraries.LIBXENLIGHT, "libxl_domain_snapshot_create"))
        .hasValueSatisfying(f -> assertThat(f.reason()).contains("libxl_domain_snapshot_create"));
    assertThat(NativeLibraries.check("libxenlight.so.4.99")).hasValueSatisfying(
        f -> assertThat(f.soname()).isEqualTo("libxenlight.so.4.99"));
  }

  @Test
  void errorCodesHaveLibxlsNames() {
    Libxenlight xl = Libxl.natives().libxenlight();
    for (LibxlError e : LibxlError.values()) {
      assertThat(xl.libxl_error_to_string(e.code())).as("code %s", e.code()).isEqualToIgnoringCase(e.name());
    }
  }

  @Test
  void ctxAllocWithoutXenIsTheTypedErrorAndLibxlsLogReachesTheSink() {
    assumeFalse(Files.exists(Path.of(HostCheck.PRIVCMD)), "this host runs Xen: the failure cannot be shown here");
    List<String> lines = new CopyOnWriteArrayList<>();

    assertThatThrownBy(() -> LibxlContext.open(Libxl.natives(), lines::add, Path.of("/")))
        .isInstanceOfSatisfying(LibxlUnavailableException.class, e -> {
          assertThat(e.missing()).isEqualTo("/dev/xen/privcmd");
          assertThat(e.debianPackage()).isEqualTo("xen-system-amd64");
          assertThat(e.code()).isEqualTo(LibxlError.FAIL.code());
          assertThat(e.operation()).isEqualTo("libxl");
          assertThat(e.getMessage()).contains("libxl_ctx_alloc returned -3").contains("cannot open libxc handle");
        });
    assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("libxl: error: ").contains("cannot open libxc handle"));
  }

  @Test
  void theProviderSaysWhyLibxlIsUnavailable() {
    assumeFalse(Files.exists(Path.of(HostCheck.PRIVCMD)), "this host runs Xen");

    assertThat(Libxl.isAvailable()).isFalse();
    assertThat(Libxl.unavailableReason()).hasValueSatisfying(e -> assertThat(e.missing()).isEqualTo(HostCheck.PRIVCMD));
    assertThatThrownBy(Libxl::open).isInstanceOf(LibxlUnavailableException.class);
  }

  private static List<String> methods(Class<?> type) {
    return Arrays.stream(type.getDeclaredMethods()).map(Method::getName).toList();
  }
}
