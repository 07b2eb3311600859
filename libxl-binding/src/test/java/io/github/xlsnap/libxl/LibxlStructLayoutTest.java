package io.github.xlsnap.libxl;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.xlsnap.libxl.internal.Libxenlight;
import io.github.xlsnap.libxl.internal.LibxlAsyncopHow;
import io.github.xlsnap.libxl.internal.LibxlChildprocHooks;
import io.github.xlsnap.libxl.internal.LibxlDeviceDisk;
import io.github.xlsnap.libxl.internal.LibxlDomainRestoreParams;
import io.github.xlsnap.libxl.internal.LibxlDominfo;
import io.github.xlsnap.libxl.internal.LibxlEvent;
import io.github.xlsnap.libxl.internal.LibxlVersion;
import io.github.xlsnap.libxl.internal.NativeLibraries;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compiles {@code src/test/c/libxl_layout.c} against {@code /usr/include/libxl.h} with gcc and checks
 * that each JNR struct has the C size and every field the C offset, field by field (the Java fields
 * carry the C names; a member inside a union is named with {@code _} for {@code .}; fields named
 * {@code *_padding} stand for the compiler's padding and have no C counterpart).
 */
class LibxlStructLayoutTest {
  private static final Map<String, Long> C = new LinkedHashMap<>();

  @BeforeAll
  static void compileAndRun(@TempDir Path dir) throws Exception {
    if (!Files.exists(Path.of("/usr/include/libxl.h"))) {
      // fails, never skips: a skipped layout check would let a wrong struct through
      throw new AssertionError("needs /usr/include/libxl.h: install the Debian package libxen-dev"
          + " (scripts/require-tools.sh and .ci/run do)");
    }
    Path exe = dir.resolve("libxl_layout");
    run(List.of("gcc", "-Wall", "-Werror", "-o", exe.toString(), "src/test/c/libxl_layout.c"));
    for (String line : run(List.of(exe.toString())).split("\n")) {
      String[] parts = line.trim().split(" ");
      C.put(parts[0] + "." + parts[1], Long.parseLong(parts[2]));
    }
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("%s:%n%s", command, out).isZero();
    return out;
  }

  @Test
  void dominfoMatchesTheHeader() throws Exception {
    assertLayout("libxl_dominfo", new LibxlDominfo(Runtime.getSystemRuntime()));
  }

  @Test
  void deviceDiskMatchesTheHeader() throws Exception {
    assertLayout("libxl_device_disk", new LibxlDeviceDisk(Runtime.getSystemRuntime()));
  }

  @Test
  void restoreParamsMatchTheHeader() throws Exception {
    assertLayout("libxl_domain_restore_params", new LibxlDomainRestoreParams(Runtime.getSystemRuntime()));
  }

  @Test
  void childprocHooksMatchTheHeader() throws Exception {
    assertLayout("libxl_childproc_hooks", new LibxlChildprocHooks(Runtime.getSystemRuntime()));
  }

  @Test
  void asyncopHowMatchesTheHeader() throws Exception {
    assertLayout("libxl_asyncop_how", new LibxlAsyncopHow(Runtime.getSystemRuntime()));
  }

  @Test
  void eventMatchesTheHeader() throws Exception {
    assertLayout("libxl_event", new LibxlEvent(Runtime.getSystemRuntime()));
  }

  @Test
  void theConstantsOfTheAsynchronousCallsMatchTheHeader() {
    assertThat((long) Libxenlight.LIBXL_EVENT_TYPE_OPERATION_COMPLETE)
        .isEqualTo(C.get("constant.LIBXL_EVENT_TYPE_OPERATION_COMPLETE"));
    assertThat((long) LibxlError.ABORTED.code()).isEqualTo(C.get("constant.ERROR_ABORTED"));
    assertThat((long) Libxenlight.INVALID_DOMID).isEqualTo(C.get("constant.INVALID_DOMID"));
  }

  /** The supported version whose soname the installed development library ({@code libxenlight.so}) has. */
  private static LibxlVersion installedVersion() throws Exception {
    Path lib = Path.of("/usr/lib/x86_64-linux-gnu/libxenlight.so");
    String soname = lib.toRealPath().getFileName().toString().replaceAll("^(libxenlight\\.so\\.\\d+\\.\\d+).*$", "$1");
    return LibxlVersion.bySoname(soname).orElseThrow(() -> new AssertionError("the installed " + soname
        + " (" + lib + ") is not a supported version (" + LibxlVersion.supportedText() + "): add it to LibxlVersion"));
  }

  @Test
  void theInstalledVersionsLayoutHasTheHeadersSizes() throws Exception {
    LibxlVersion.Layout l = installedVersion().layout();
    Map<String, Long> java = new LinkedHashMap<>();
    java.put("libxl_domain_config.sizeof", (long) l.domainConfig());
    java.put("libxl_dominfo.sizeof", (long) l.dominfo());
    java.put("libxl_device_disk.sizeof", (long) l.deviceDisk());
    java.put("libxl_domain_restore_params.sizeof", (long) l.domainRestoreParams());
    java.put("libxl_childproc_hooks.sizeof", (long) l.childprocHooks());
    java.put("libxl_asyncop_how.sizeof", (long) l.asyncopHow());
    java.put("libxl_event.sizeof", (long) l.event());
    Map<String, Long> c = new LinkedHashMap<>();
    java.keySet().forEach(k -> c.put(k, C.get(k)));
    assertThat(java).isEqualTo(c);
  }

  @Test
  void theStructClassesFitEverySupportedVersionsLayout() {
    for (LibxlVersion v : LibxlVersion.values()) {
      NativeLibraries.checkStructs(v, Runtime.getSystemRuntime());
    }
  }

  /** {@code Struct.Member.offset()}: the member classes are protected in JNR, so by reflection. */
  private static long offsetOf(Object member) throws Exception {
    for (Class<?> c = member.getClass(); c != null; c = c.getSuperclass()) {
      for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
        if (m.getName().equals("offset") && m.getParameterCount() == 0) {
          m.setAccessible(true);
          return ((Number) m.invoke(member)).longValue();
        }
      }
    }
    throw new AssertionError("no offset() on " + member.getClass());
  }

  private static void assertLayout(String cName, Struct struct) throws Exception {
    Map<String, Long> java = new LinkedHashMap<>();
    for (Field f : struct.getClass().getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) || f.getName().endsWith("_padding")) {
        // the C compiler's padding: no C member, but it moves the members after it and the size
        continue;
      }
      Object value = f.get(struct);
      Object member = value instanceof Object[] array ? array[0] : value;
      java.put(cName + "." + f.getName(), offsetOf(member));
    }
    java.put(cName + ".sizeof", (long) Struct.size(struct));
    Map<String, Long> c = new LinkedHashMap<>();
    C.forEach((k, v) -> {
      if (k.startsWith(cName + ".")) {
        c.put(k, v);
      }
    });
    assertThat(c).as("fields printed by the C program").hasSizeGreaterThan(1);
    assertThat(java).containsExactlyInAnyOrderEntriesOf(c);
  }
}
