#!/usr/bin/env bash
# real-xen stage, step 3: the directory shared into dom0 over virtio-9p (/share):
#   jre/      a jlink'ed JDK 17 runtime with a CDS archive (cached in $XLSNAP_XEN_CACHE, it halves JVM start
#             under TCG), syslibs/ the host libraries it needs that dom0 lacks (libstdc++, libm)
#   vmlinux   the guest kernel, uncompressed (build-images.sh)
#   cp/       the test class path (jars; class directories packed as jars), JUnit jars left out: the launcher has them
#   launcher.jar  org.junit.platform:junit-platform-console-standalone
#   app.jsa   a class-data-sharing archive for the lanes' JVMs (dumped here, see below)
#   run-tests.sh  what dom0's /init runs; reports go to /share/out/reports
# Usage: build-share.sh <test class path, ':'-separated> <console launcher jar> <test>... [--lane|--phase <test>...]...
# where a test is a class, or one method of a class as <class>#<method>
# "--lane" starts another lane of the same phase: a JVM of its own that runs its classes in order at the same time
# as the phase's other lanes (dom0 has two vCPUs). "--phase" starts the next phase, whose tests begin once every
# lane of the one before has ended: the JVMs of all lanes start at once, and a later phase's wait after discovery,
# before their first test, until run-tests.sh creates /tmp/xlsnap/phase<n>.done (PhaseBarrier in libxl-binding's
# tests), so that their start (about 17 s under TCG) overlaps the phase before (runs 30-31: starting them only once
# the first lane's JVM was ready ended phase 1 later, 200 s against 178 s). Lanes are processes, not threads, so a descriptor one lane opens can never be
# inherited by a process libxl starts for another (NOTES-real-xen.md, "Descriptors").
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${XLSNAP_XEN_CACHE:-$HOME/.cache/xlsnap/real-xen}
WORK=${WORK:-$HERE/../../../target/real-xen}
mkdir -p "$WORK"; WORK=$(cd "$WORK" && pwd)
CLASSPATH_IN=$1; LAUNCHER=$2; shift 2
[ $# -gt 0 ] || { echo "build-share: no test classes given" >&2; exit 2; }
t0=$(date +%s)
jv=$(java -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.runtime.version/{print $2}')
JRE=$CACHE/jre-$jv
if [ ! -f "$JRE/ready" ]; then
  rm -rf "$JRE"
  jlink --add-modules java.base,java.logging,java.management,java.naming,java.xml,java.sql,java.desktop,jdk.unsupported,java.scripting,jdk.zipfs \
    --strip-debug --no-header-files --no-man-pages --compress=2 --output "$JRE"
  "$JRE/bin/java" -Xshare:dump -XX:+UseSerialGC >/dev/null
  touch "$JRE/ready"
fi
S=$WORK/share
rm -rf "$S" && mkdir -p "$S/cp" "$S/out" "$S/syslibs"
cp -a "$JRE" "$S/jre"
for f in "$S"/jre/bin/java "$S"/jre/lib/server/libjvm.so "$S"/jre/lib/*.so; do ldd "$f"; done \
  | awk '/=> \//{print $3}' | grep -v "^$S" | sort -u | while read -r l; do cp -L "$l" "$S/syslibs/"; done
cp "$LAUNCHER" "$S/launcher.jar"
cp "$WORK/vmlinux" "$S/vmlinux"
entries=()
i=0
IFS=: read -r -a parts <<< "$CLASSPATH_IN"
for p in "${parts[@]}"; do
  [ -e "$p" ] || continue
  case $(basename "$p") in junit-*|opentest4j-*|apiguardian-*) continue;; esac
  i=$((i+1))
  # class directories become jars: class-data sharing archives classes from jars only
  if [ -d "$p" ]; then (cd "$p" && jar --create --file "$S/cp/d$i.jar" .); entries+=("cp/d$i.jar")
  else cp "$p" "$S/cp/"; entries+=("cp/$(basename "$p")"); fi
done
# relative to /share (run-tests.sh runs there): the archive below is dumped here with the same relative class path
cp_str=$(IFS=:; echo "launcher.jar:${entries[*]}")
# lanes: "<phase> <selects>" in order
lanes=(); selects=""; phase=1
for c in "$@"; do
  case $c in
    --lane) [ -n "$selects" ] && lanes+=("$phase$selects"); selects="";;
    --phase) [ -n "$selects" ] && lanes+=("$phase$selects"); selects=""; phase=$((phase+1));;
    *#*) selects="$selects --select-method '$c'";;
    *) selects="$selects --select-class '$c'";;
  esac
done
[ -n "$selects" ] && lanes+=("$phase$selects")
# An application class-data-sharing archive of the classes a lane's JVM loads to reach its tests (the launcher,
# JUnit, the test classes, jnr-ffi's loading of libxenlight, AssertJ), dumped by one run of the same selection
# on this host, where every test skips (no Xen). Under TCG the stage's three JVMs, starting at once, took 29 s to
# the first test without it and 24 s with it, and phase 1 ended 10 s earlier (NOTES-real-xen.md, runs 41-42); the
# rest of the start is the JVM's own and JIT work, and the launcher's and jnr's Java 5 classes (picocli, asm,
# x86asm), which CDS on Java 17 does not archive. The lanes use it when it exists (same JRE, same relative class
# path; the JVM checks both and ignores an archive that does not match).
archive_flag=""
all_selects=""
for l in "${lanes[@]}"; do all_selects="$all_selects ${l#* }"; done
if (cd "$S" && eval "set -- $all_selects" && "$S/jre/bin/java" -Xmx300m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
      -XX:ArchiveClassesAtExit=app.jsa -Dxlsnap.realxen.kernel= -cp "$cp_str" org.junit.platform.console.ConsoleLauncher \
      execute --disable-banner --details=none --include-engine=junit-jupiter "$@") >"$WORK/cds-dump.log" 2>&1 \
    && [ -s "$S/app.jsa" ]; then
  archive_flag="-XX:SharedArchiveFile=app.jsa"
  echo "real-xen: class-data-sharing archive of $(du -h "$S/app.jsa" | cut -f1) ($WORK/cds-dump.log)"
else
  echo "real-xen: no class-data-sharing archive, the lanes start without it (see $WORK/cds-dump.log)"
fi
{
cat <<HOOK
#!/bin/sh
# Generated by build-share.sh: runs inside dom0, from /init: ${#lanes[@]} lane(s) in $phase phase(s), each lane a JVM of
# its own running its test classes in order, the lanes of a phase at once; each lane's reports go to /share/out/reports/TEST-lane<n>.xml and its
# scenario lines to /share/out/scenarios-lane<n>.txt (check.sh joins them).
cd /share
export LD_LIBRARY_PATH=/share/syslibs
# libxl checks, in each child it starts (QEMU, libxl-save-helper, scripts), that no descriptor from 4 to 255
# is open without close-on-exec, and aborts the child if one is: a leaked descriptor fails the test that
# caused it (the message goes to the child's stderr: the serial console or /var/log/xen/qemu-dm-*.log)
export _LIBXL_DEBUG_EXEC_FDS=1
mkdir -p /share/out/reports
lane() {
  n=\$1; awaiting=\$2; shift 2
  mkdir -p /tmp/xlsnap/lane\$n /share/out/lane\$n
  /share/jre/bin/java -Xmx300m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto $archive_flag \\
    -Djava.io.tmpdir=/tmp -Dorg.slf4j.simpleLogger.showDateTime=true \\
    -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \\
    -Dorg.slf4j.simpleLogger.log.io.github.xlsnap.libxl.ChildFds=debug \\
    -Dxlsnap.realxen.kernel=/share/vmlinux -Dxlsnap.realxen.ramdisk=/boot/domu.cpio.gz \\
    -Dxlsnap.realxen.awaitFile=\$awaiting -Dxlsnap.realxen.scratch=/tmp/xlsnap/lane\$n -Dxlsnap.realxen.results=/share/out/scenarios-lane\$n.txt \\
    -cp '$cp_str' org.junit.platform.console.ConsoleLauncher execute --disable-banner --disable-ansi-colors --details=flat \\
    --details-theme=ascii --include-engine=junit-jupiter "\$@" --reports-dir /share/out/lane\$n
  rc=\$?
  for r in /share/out/lane\$n/*.xml; do [ -f "\$r" ] && mv "\$r" /share/out/reports/TEST-lane\$n.xml; done
  echo "@@MARK LANE_DONE lane=\$n rc=\$rc"
  return \$rc
}
HOOK
echo "rc=0"
echo "mkdir -p /tmp/xlsnap"
i=0
for l in "${lanes[@]}"; do
  i=$((i+1)); p=${l%% *}
  awaiting=""; [ "$p" -gt 1 ] && awaiting=/tmp/xlsnap/phase$((p - 1)).done
  # stdin as when /init ran one JVM in the foreground (a background job's is /dev/null): libxl_domain_suspend
  # hands libxl-save-helper a copy of its caller's fd 0 (NOTES-real-xen.md, "Descriptors"), which check.sh
  # tolerates as /dev/console only
  echo "lane $i '$awaiting' ${l#* } </dev/console & pid$i=\$!"
done
i=0; current=1
for l in "${lanes[@]}" "$((phase + 1)) end"; do
  i=$((i+1)); p=${l%% *}
  if [ "$p" != "$current" ]; then
    echo "echo \"@@MARK PHASE_DONE phase=$current\"; touch /tmp/xlsnap/phase$current.done"
    current=$p
  fi
  [ "$p" -le "$phase" ] && echo "wait \$pid$i || rc=1"
done
echo "exit \$rc"
} > "$S/run-tests.sh"
chmod +x "$S/run-tests.sh"
du -sh "$S" | sed 's/^/real-xen: share /'
echo "real-xen: share built in $(( $(date +%s) - t0 )) s"
