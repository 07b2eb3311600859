package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.github.xlsnap.libxl.internal.Libc;
import io.github.xlsnap.libxl.internal.Libxenlight;
import io.github.xlsnap.libxl.internal.LibxlEvent;
import io.github.xlsnap.libxl.internal.LibxlEventPredicate;
import io.github.xlsnap.libxl.internal.NativeLibraries;
import io.github.xlsnap.libxl.internal.Xentoollog;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
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
  void theLogPipeIsCloseOnExecSoThatNoChildOfLibxlHoldsIt() throws Exception {
    try (XtlLog log = XtlLog.open(Libxl.natives(), line -> { })) {
      int[] fds = log.pipeForTest();
      assertThat(ChildFds.isCloseOnExec(fds[0])).as("read end").isTrue();
      assertThat(ChildFds.isCloseOnExec(fds[1])).as("write end").isTrue();
    }
  }

  @Test
  void theCompletionPredicateAcceptsOnlyTheOperationCompleteEventOfItsToken() {
    NativeLibraries natives = Libxl.natives();
    LibxlEvent layout = new LibxlEvent(natives.runtime());
    Pointer event = natives.libc().calloc(1, Struct.size(layout));
    try {
      layout.useMemory(event);
      layout.type.set(Libxenlight.LIBXL_EVENT_TYPE_OPERATION_COMPLETE);
      layout.for_user.set(42L);
      LibxlEventPredicate predicate = LibxlContext.completionOfToken(natives.runtime());

      assertThat(predicate.test(event, Pointer.wrap(natives.runtime(), 42L))).isEqualTo(1);
      assertThat(predicate.test(event, Pointer.wrap(natives.runtime(), 43L))).isZero();
      assertThat(predicate.test(event, null)).isZero();
      layout.type.set(2); // DOMAIN_DEATH with the same user value
      assertThat(predicate.test(event, Pointer.wrap(natives.runtime(), 42L))).isZero();
    } finally {
      natives.libc().free(event);
    }
  }

  /** glibc's {@code bsearch}, whose comparator has the C type of {@code libxl_event_predicate}. */
  public interface Bsearch {
    /** {@code void *bsearch(const void *key, const void *base, size_t nmemb, size_t size, int (*compar)(const void *, const void *))}. */
    Pointer bsearch(Pointer key, Pointer base, long nmemb, long size, LibxlEventPredicate compar);
  }

  /**
   * The predicate as native code calls it: {@code bsearch} calls its comparator as
   * {@code compar(key, element)}, the argument order of {@code predicate(event, predicate_user)}. With
   * one element of size 1 at the token's address it calls {@code predicate(event, token)} once and
   * returns the element when the comparator returns 0 (here: "not wanted"), NULL otherwise.
   */
  @Test
  void theCompletionPredicateWorksWhenCalledFromNativeCode() {
    NativeLibraries natives = Libxl.natives();
    Bsearch libc = LibraryLoader.create(Bsearch.class).failImmediately().load(NativeLibraries.LIBC);
    LibxlEvent layout = new LibxlEvent(natives.runtime());
    Pointer event = natives.libc().calloc(1, Struct.size(layout));
    try {
      layout.useMemory(event);
      layout.type.set(Libxenlight.LIBXL_EVENT_TYPE_OPERATION_COMPLETE);
      layout.for_user.set(0x5eedL);
      LibxlEventPredicate predicate = LibxlContext.completionOfToken(natives.runtime());

      assertThat(libc.bsearch(event, Pointer.wrap(natives.runtime(), 0x5eedL), 1, 1, predicate))
          .as("wanted: nonzero, so bsearch finds nothing").isNull();
      assertThat(libc.bsearch(event, Pointer.wrap(natives.runtime(), 0x5eeeL), 1, 1, predicate))
          .as("another token: 0, so bsearch returns the element").isNotNull()
          .satisfies(p -> assertThat(p.address()).isEqualTo(0x5eeeL));
    } finally {
      natives.libc().free(event);
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
