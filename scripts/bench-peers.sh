#!/usr/bin/env bash
# xlsnap beside its peers, in one run (issue 14): libvirt (its test driver, and its real qemu driver
# run in-process through qemu:///embed), bare qemu-img, the bare disk (write + fsync) and libxlutil's
# own C parser, run interleaved with xlsnap (xlsnap, peer, xlsnap, peer...) on the same images and
# sizes, repeated. Writes a table of medians and ratios, with the load average before and after and
# the versions, as a new dated section at the top of BENCHMARKS.md (the older sections stay).
#
# Usage: scripts/bench-peers.sh [--smoke] [--reps N] [--no-build] [--out FILE]
#   --smoke     tiny sizes, one repetition, about a minute; the table goes to stdout (or FILE), not to
#               BENCHMARKS.md; exits non-zero if any measured command fails (for CI)
#   --reps N    repetitions of the full run (default 5; a full run takes about 20 to 40 minutes)
#   --no-build  take what `mvn install` built (benchmarks/target/classes, examples' tarball)
#   --out FILE  write the section to FILE instead of BENCHMARKS.md
# When run as root, installs the peers from Debian if they are missing: libvirt-clients,
# libvirt-daemon (the embedded qemu driver's file storage backend), libvirt-daemon-driver-qemu,
# qemu-utils, qemu-system-x86 (libvirt probes its capabilities once), gcc and libxen-dev (libxlutil).
#
# The parts: benchmarks/ (JMH: TreeBenchmark for P1, ParseBenchmark for P5; PeerRunner for P2, P2b,
# P3, P4, P6), benchmarks/src/main/c/ (libxlutil's parser, the config generator) and, for P7,
# scripts/bench-cli-start.sh. Every number in the table comes from this run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
smoke=0 reps=5 build=1 out=""
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    --reps) reps=$2; shift ;;
    --no-build) build=0 ;;
    --out) out=$2; shift ;;
    *) sed -n '8,13p' "$0" >&2; exit 2 ;;
  esac
  shift
done

if [ $smoke = 1 ]; then
  reps=1 tree_n=200 meta_n=200 meta_samples=3 mem_mib=16 img_mib=64 data_mib=16 overlay_mib=1 snaps=4
  cfg_bytes=65536 c_parses=3 p7_runs=1 jmh=(-wi 1 -i 1 -w 200ms -r 200ms)
else
  tree_n=10000 meta_n=10000 meta_samples=20 mem_mib=1024 img_mib=1024 data_mib=512 overlay_mib=64 snaps=4
  cfg_bytes=1048576 c_parses=20 p7_runs=$((reps * 3)) jmh=(-wi 3 -i 3 -w 1s -r 1s)
fi

log() { echo "bench-peers $(date -u +%H:%M:%S): $*" >&2; }
fail() { echo "bench-peers: $*" >&2; exit 1; }

# --- the peers -----------------------------------------------------------------------------------
libvirt_lib=/usr/lib/x86_64-linux-gnu/libvirt
have_peers() {
  command -v virsh >/dev/null && command -v qemu-img >/dev/null && command -v qemu-io >/dev/null \
    && command -v qemu-system-x86_64 >/dev/null && command -v gcc >/dev/null \
    && [ -e "$libvirt_lib/connection-driver/libvirt_driver_qemu.so" ] && [ -d "$libvirt_lib/storage-file" ] \
    && [ -e /usr/include/libxlutil.h ]
}
if ! have_peers; then
  [ "$(id -u)" -eq 0 ] || fail "peers missing; as root: apt-get install -y libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu qemu-utils qemu-system-x86 gcc libxen-dev"
  log "installing the peers from Debian"
  pkgs=(libvirt-clients libvirt-daemon libvirt-daemon-driver-qemu qemu-utils qemu-system-x86 gcc libxen-dev)
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null; }
  have_peers || fail "the peers are still missing after apt-get install"
fi

# --- xlsnap --------------------------------------------------------------------------------------
if [ $build = 1 ]; then
  log "building benchmarks and examples"
  mvn -B -ntp -q -pl benchmarks,examples -am package dependency:build-classpath -DskipTests \
    -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -Dmdep.outputFile=target/bench.classpath
else
  mvn -B -ntp -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/bench.classpath
fi
cp="$repo/benchmarks/target/classes:$(cat benchmarks/target/bench.classpath)"
tarball=$(ls examples/target/xlsnap-*.tar.gz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || fail "no examples/target/xlsnap-*.tar.gz: run without --no-build"

work=$(mktemp -d /var/tmp/bench-peers.XXXXXX)
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
samples=$work/samples
: > "$samples"
# (error: the runner's forced reverts warn that the snapshots have no memory, as they should)
J() { java -Dorg.slf4j.simpleLogger.defaultLogLevel=error -cp "$cp" "$@"; }
# runs the runner, keeps its SAMPLE lines (keys renamed by an optional sed expression)
runner() { local rename=$1; shift; J io.github.xlsnap.benchmarks.PeerRunner "$@" > "$work/runner.out"
  grep '^INFO' "$work/runner.out" >> "$work/info" || true
  awk '/^SAMPLE/ {print $2, $3}' "$work/runner.out" | sed -e "$rename" >> "$samples"; }
rec() { echo "$1 $2" >> "$samples"; }
now() { date +%s%N; }
since_ms() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.3f", (b - a) / 1e6}'; }
# a JMH benchmark's score (ms/op) from its CSV
jmh_score() { local csv=$1; shift
  J org.openjdk.jmh.Main "$@" "${jmh[@]}" -foe true -rf csv -rff "$csv" > "$work/jmh.out" 2>&1 \
    || { tail -20 "$work/jmh.out" >&2; fail "JMH $1 failed"; }
  awk -F, 'NR == 2 {print $5}' "$csv"; }

tar xzf "$tarball" -C "$work"
xl=$(echo "$work"/xlsnap-*/bin/xlsnap)
export XDG_CACHE_HOME=$work/cache

versions() {
  echo "$(java -version 2>&1 | head -n 1); $(qemu-img --version | head -n 1); virsh $(virsh --version);" \
    "libxlutil $(dpkg-query -W -f '${Version}' libxen-dev 2>/dev/null || echo '?'); kernel $(uname -r);" \
    "$(nproc) cores"
}
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log "work in $work; reps=$reps; load average $load_before"

# --- fixtures, made once -------------------------------------------------------------------------
# P1: a simulated host whose domain web has a chain of tree_n snapshots (metadata written directly)
"$xl" sim-init "$work/p1host" --domain web --memory 64K --disk 1M >/dev/null
runner '' fill "$work/p1host" web "$tree_n" >/dev/null
export XLSNAP_CONNECT="sim://$work/p1host"
[ "$("$xl" snapshot-list web --name | wc -l)" -eq "$tree_n" ] || fail "the P1 domain does not have $tree_n snapshots"
"$xl" snapshot-list --tree web >/dev/null # the first run writes the start-up archive and the store's read cache
unset XLSNAP_CONNECT
{ for i in $(seq 1 "$tree_n"); do echo "snapshot-create-as test s$i"; done; echo "snapshot-list test --tree"; } > "$work/virsh-tree.batch"

# P2b, P6: the image every side works on: img_mib of qcow2 holding data_mib of data
tpl=$work/template.qcow2
qemu-img create -q -f qcow2 "$tpl" "${img_mib}M"
qemu-img bench -w -q -f qcow2 -t writeback -d 16 -s 65536 --pattern=0xab -c $((data_mib * 16)) "$tpl" >/dev/null
# libvirt's qemu driver, embedded; as root it wants the libvirt-qemu user, so virsh runs as nobody
lv=$work/libvirt
mkdir -p "$lv"
lv_uri="qemu:///embed?root=$lv/root"
if [ "$(id -u)" -eq 0 ]; then
  chown 65534:65534 "$lv"
  V() { (cd "$lv" && env -u XDG_CACHE_HOME HOME="$lv" setpriv --reuid=65534 --regid=65534 --clear-groups virsh -t -c "$lv_uri" "$@"); }
else
  V() { (cd "$lv" && env -u XDG_CACHE_HOME HOME="$lv" virsh -t -c "$lv_uri" "$@"); }
fi
lv_domain() { # name image
  cat > "$lv/$1.xml" <<XML
<domain type='qemu'><name>$1</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os>
<devices><disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='$2'/><target dev='vda' bus='virtio'/></disk></devices></domain>
XML
  [ "$(id -u)" -ne 0 ] || chown 65534:65534 "$lv/$1.xml" "$2"
}
# the first use probes qemu's capabilities (seconds), then they are cached under the root: not timed
qemu-img create -q -f qcow2 "$lv/probe.qcow2" 1M
lv_domain probe "$lv/probe.qcow2"
V define "$lv/probe.xml" >/dev/null || fail "libvirt's embedded qemu driver does not start"
V undefine probe >/dev/null

# P5: the config both parsers read
cfg=$work/big.cfg
python3 benchmarks/src/main/c/gen-big-cfg.py "$cfg" "$cfg_bytes"
gcc -O2 -o "$work/xlu-parse" benchmarks/src/main/c/xlu-parse.c -lxlutil

# --- one repetition of every pair ----------------------------------------------------------------
# one virsh command of libvirt's qemu driver: records its time (virsh -t) under key, or fails
lv_op() { local key=$1 may_fail=$2; shift 2
  if V "$@" > "$work/virsh.out" 2> "$work/virsh.err"; then
    rec "$key" "$(grep -o 'Time: [0-9.]*' "$work/virsh.out" | tail -n 1 | cut -d' ' -f2)"
  elif [ "$may_fail" = may-fail ]; then
    grep -m1 -v '^error: Failed' "$work/virsh.err" | sed 's/^error: //' > "$work/$key.failed"
  else
    cat "$work/virsh.err" >&2; fail "virsh $*"
  fi; }
lv_pass() { # kind rep: the same steps as PeerRunner offline
  local kind=$1 r=$2 dom=bench-$1-$2 flag=""
  [ "$kind" = external ] && flag=--disk-only
  mkdir -p "$lv/$dom"; cp "$tpl" "$lv/$dom/disk.qcow2"
  [ "$(id -u)" -ne 0 ] || chown 65534:65534 "$lv/$dom"
  lv_domain "$dom" "$lv/$dom/disk.qcow2"
  V define "$lv/$dom.xml" >/dev/null
  for i in $(seq 1 "$snaps"); do lv_op "lv.$kind.create" no snapshot-create-as "$dom" "s$i" $flag; done
  # libvirt 9.0 cannot revert to or delete external snapshots: recorded as a failure, not fatal
  local may=no; [ "$kind" = external ] && may=may-fail
  lv_op "lv.$kind.revert" $may snapshot-revert "$dom" "s$(( snaps / 4 > 0 ? snaps / 4 : 1 ))"
  lv_op "lv.$kind.delete" $may snapshot-delete "$dom" s2
  V undefine "$dom" --snapshots-metadata >/dev/null
  rm -rf "$lv/$dom"; }
bare_pass() { # the qemu-img work the offline operations need, on a copy of the same image
  local d=$work/bare m=$overlay_mib t
  mkdir -p "$d"; cp "$tpl" "$d/base.qcow2"
  for tag in b1 b2; do t=$(now); qemu-img snapshot -c $tag "$d/base.qcow2"; rec bare.internal.create "$(since_ms "$t")"; done
  t=$(now); qemu-img snapshot -a b1 "$d/base.qcow2"; rec bare.internal.revert "$(since_ms "$t")"
  t=$(now); qemu-img snapshot -d b2 "$d/base.qcow2"; rec bare.internal.delete "$(since_ms "$t")"
  # base <- o1 <- o2, each overlay holding the data the guest wrote after its snapshot, as in PeerRunner
  t=$(now); qemu-img create -q -f qcow2 -b "$d/base.qcow2" -F qcow2 "$d/o1.qcow2"; rec bare.external.create "$(since_ms "$t")"
  qemu-io -f qcow2 -c "write -P 0xcd $((m))M ${m}M" "$d/o1.qcow2" >/dev/null
  t=$(now); qemu-img create -q -f qcow2 -b "$d/o1.qcow2" -F qcow2 "$d/o2.qcow2"; rec bare.external.create "$(since_ms "$t")"
  qemu-io -f qcow2 -c "write -P 0xce $((2 * m))M ${m}M" "$d/o2.qcow2" >/dev/null
  # revert to an external snapshot: a new overlay on its image
  t=$(now); qemu-img create -q -f qcow2 -b "$d/base.qcow2" -F qcow2 "$d/n1.qcow2"; rec bare.external.revert "$(since_ms "$t")"
  # delete of the middle snapshot (o1): merge it into o2 (safe rebase onto base), remove it
  t=$(now); qemu-img rebase -q -f qcow2 -b "$d/base.qcow2" -F qcow2 "$d/o2.qcow2"; rm "$d/o1.qcow2"
  rec bare.external.delete "$(since_ms "$t")"
  rm -rf "$d"; }

for r in $(seq 1 "$reps"); do
  log "repetition $r of $reps (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  # P1: xlsnap's API warm (JMH), libvirt's test driver, xlsnap's command in a fresh process
  rec p1.api "$(jmh_score "$work/p1.csv" TreeBenchmark -p snapshots="$tree_n")"
  virsh -t -c test:///default < "$work/virsh-tree.batch" 2> "$work/virsh-tree.err" \
    | grep -a -o '(Time: [0-9.]* ms)' > "$work/virsh-tree.times" || true
  [ "$(wc -l < "$work/virsh-tree.times")" -eq $((tree_n + 1)) ] && ! grep -q error "$work/virsh-tree.err" \
    || { head -5 "$work/virsh-tree.err" >&2; fail "virsh test driver: not every command ran"; }
  rec p1.virsh "$(tail -n 1 "$work/virsh-tree.times" | grep -o '[0-9.]*')"
  for k in 1 2 3; do
    # into a pipe, as virsh's: a chain of 10,000 in virsh's layout is 400 MB of indentation
    t=$(now); lines=$(XLSNAP_CONNECT="sim://$work/p1host" "$xl" snapshot-list --tree web | wc -l)
    rec p1.cli "$(since_ms "$t")"
    [ "$lines" -ge "$tree_n" ] || fail "xlsnap snapshot-list --tree printed too little"
  done
  # P2: one create's metadata at meta_n snapshots beside the bare durable write (alternated in the JVM);
  # and at 100 snapshots, to tell the fixed cost from what grows with the number of snapshots
  runner '' metadata "$work/p2-$r" "$meta_n" "$meta_samples"
  runner 's/^p2\./p2at100./' metadata "$work/p2s-$r" 100 "$meta_samples"
  rm -rf "$work/p2-$r" "$work/p2s-$r"
  # P2b, P6: xlsnap, libvirt, xlsnap, libvirt, then the bare qemu-img work
  runner '' offline "$work/xi-$r" "$tpl" internal "$snaps" "$overlay_mib"; rm -rf "$work/xi-$r"
  lv_pass internal "$r"
  runner '' offline "$work/xe-$r" "$tpl" external "$snaps" "$overlay_mib"; rm -rf "$work/xe-$r"
  lv_pass external "$r"
  bare_pass
  # P3, P4: sequential write beside the stopped checkpoint, then the live one (alternated in the JVM)
  runner '' memory "$work/mem-$r" "$mem_mib" 1; rm -rf "$work/mem-$r"
  # P5: libxlutil's parser, then xlsnap's (JMH), on the same file
  "$work/xlu-parse" "$cfg" "$c_parses" | awk '/^SAMPLE/ {print $2, $3}' >> "$samples"
  rec p5.java "$(jmh_score "$work/p5.csv" ParseBenchmark -p file="$cfg")"
done

# P7: scripts/bench-cli-start.sh (its own alternation: with and without the start-up archive, then virsh)
log "P7: scripts/bench-cli-start.sh $p7_runs"
scripts/bench-cli-start.sh "$p7_runs" > "$work/p7.md"
p7_cds=$(grep 'start-up archive (CDS)' "$work/p7.md" | grep -o '[0-9.]* s |' | grep -o '[0-9.]*')
p7_virsh=$(grep '`virsh snapshot-list`' "$work/p7.md" | sed 's/.*| \(.*\) |$/\1/')
[ -n "$p7_cds" ] || fail "no P7 figure in the output of scripts/bench-cli-start.sh"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
log "done; load average $load_after"

# --- the table -----------------------------------------------------------------------------------
med() { awk -v k="$1" '$1 == k {print $2}' "$samples" | sort -g \
  | awk '{a[NR] = $1} END {if (NR == 0) {print "NaN"; exit} printf "%.4f", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
n() { awk -v k="$1" '$1 == k' "$samples" | wc -l; }
ms() { awk -v v="$1" 'BEGIN {if (v == "NaN") print "n/a"; else if (v < 1) printf "%.3f ms", v; else if (v < 10) printf "%.2f ms", v;
  else if (v < 1000) printf "%.0f ms", v; else printf "%.2f s", v / 1000}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "NaN" || b == "NaN" || b + 0 == 0) print "NaN"; else if (a / b >= 1000) printf "%.0f", a / b; else printf "%.3g", a / b}'; }
verdict() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {if (v == "NaN") {print "not measured"; exit}
  ok = (op == "<=") ? v + 0 <= t + 0 : v + 0 >= t + 0; print ok ? "met" : "**not met**"}'; }
lv_cell() { if [ -s "$work/lv.$1.failed" ]; then echo "fails: $(cat "$work/lv.$1.failed")"; else ms "$(med "lv.$1")"; fi; }

missing=""
for key in p1.api p1.virsh p1.cli p2.save p2.bare p2at100.save p2at100.bare p2b.internal.create p2b.internal.delete \
  p2b.internal.revert p2b.external.create p2b.external.delete p2b.external.revert lv.internal.create \
  lv.internal.delete lv.internal.revert lv.external.create bare.internal.create bare.internal.delete \
  bare.internal.revert bare.external.create bare.external.delete bare.external.revert p3.seq_mib_s \
  p3.image_mib_s p4.stopped_downtime p4.live_downtime p5.c p5.java; do
  [ "$(n "$key")" -gt 0 ] || missing="$missing $key"
done
[ -z "$missing" ] || fail "no samples for:$missing"

p1_speedup=$(ratio "$(med p1.virsh)" "$(med p1.api)")
p1_cli_s=$(awk -v v="$(med p1.cli)" 'BEGIN {printf "%.3f", v / 1000}')
p2_ratio=$(ratio "$(med p2.save)" "$(med p2.bare)")
p2b() { local kind=$1 op=$2; ratio "$(med "p2b.$kind.$op")" "$(med "lv.$kind.$op")"; }
p2b_bare() { local kind=$1 op=$2; ratio "$(med "p2b.$kind.$op")" "$(med "bare.$kind.$op")"; }
p3_ratio=$(ratio "$(med p3.image_mib_s)" "$(med p3.seq_mib_s)")
p4_ratio=$(ratio "$(med p4.live_downtime)" "$(med p4.stopped_downtime)")
p5_ratio=$(ratio "$(med p5.java)" "$(med p5.c)")
row_p2b() { local kind=$1 op=$2 what=$3
  local lvr; lvr=$(p2b "$kind" "$op")
  echo "| P2b | $what | $(ms "$(med "p2b.$kind.$op")") | libvirt $(lv_cell "$kind.$op"); qemu-img $(ms "$(med "bare.$kind.$op")") | $lvr of libvirt | ≤ 0.6 of libvirt | $(verdict "$lvr" "<=" 0.6) |"; }
mib() { awk -v v="$1" 'BEGIN {printf "%.0f MiB/s", v}'; }

if [ $smoke = 1 ]; then title="smoke run (tiny sizes, not a measurement)"; else title="xlsnap beside its peers (scripts/bench-peers.sh)"; fi
section() {
cat <<MD
## $(date -u +%Y-%m-%d): $title

Started $start, $reps repetition(s), each running xlsnap and each peer in turn (A, B, A, B...) on
the same images and sizes; every figure is the median of the run's samples (count in brackets where
it helps). Machine: $(versions). **Load average $load_before before, $load_after after** (the machine
is shared: wall times are upper bounds, ratios are what to read).

| id | what | xlsnap | peer / bound | ratio | target | verdict |
|---|---|---|---|---|---|---|
| P1 | \`list --tree\` of a chain of $tree_n, warm API (JMH, \`SnapshotManager.tree\` + topological order) | $(ms "$(med p1.api)") | libvirt test driver \`snapshot-list --tree\` (virsh -t) $(ms "$(med p1.virsh)") | ${p1_speedup}x faster | ≥ 50x faster | $(verdict "$p1_speedup" ">=" 50) |
| P1 | the same by the command, \`xlsnap snapshot-list --tree \\| wc -l\`, fresh process, wall | $(ms "$(med p1.cli)") ($(n p1.cli)) | (virsh above) | | < 0.5 s | $(verdict "$p1_cli_s" "<=" 0.5) |
| P2 | one create's durable metadata at $meta_n snapshots (\`JsonSnapshotStore.save\`) | $(ms "$(med p2.save)") ($(n p2.save)) | write + fsync + rename + dir fsync of one record $(ms "$(med p2.bare)") | $p2_ratio | ≤ 2 | $(verdict "$p2_ratio" "<=" 2) |
| (P2) | the same at 100 snapshots, for comparison | $(ms "$(med p2at100.save)") | $(ms "$(med p2at100.bare)") | $(ratio "$(med p2at100.save)" "$(med p2at100.bare)") | | |
$(row_p2b internal create "create, internal (per snapshot)")
$(row_p2b external create "create, external (per snapshot)")
$(row_p2b internal delete "delete of a middle snapshot, internal")
$(row_p2b internal revert "revert, internal")
| P2b | delete of a middle snapshot, external (a merge) | $(ms "$(med p2b.external.delete)") | libvirt $(lv_cell external.delete); qemu-img rebase $(ms "$(med bare.external.delete)") | $(p2b_bare external delete) of qemu-img | ≤ 1.2 of qemu-img | $(verdict "$(p2b_bare external delete)" "<=" 1.2) |
| P2b | revert, external | $(ms "$(med p2b.external.revert)") | libvirt $(lv_cell external.revert); qemu-img create $(ms "$(med bare.external.revert)") | $(p2b_bare external revert) of qemu-img | ≤ 1.2 of qemu-img | $(verdict "$(p2b_bare external revert)" "<=" 1.2) |
| P3 | memory image of a $mem_mib MiB simulated guest (stopped checkpoint, fsync included) | $(mib "$(med p3.image_mib_s)") | sequential write + fsync of as many bytes, same JVM $(mib "$(med p3.seq_mib_s)") | $p3_ratio | ≥ 0.9 | $(verdict "$p3_ratio" ">=" 0.9) |
| P4 | live snapshot of a $mem_mib MiB simulated guest: final stop | $(ms "$(med p4.live_downtime)") | downtime of the stopped checkpoint $(ms "$(med p4.stopped_downtime)") | $p4_ratio | ≤ 0.05 | $(verdict "$p4_ratio" "<=" 0.05) |
| P5 | parse of a $cfg_bytes-byte xl config, warm (JMH) | $(ms "$(med p5.java)") | libxlutil's C parser, same file $(ms "$(med p5.c)") ($(n p5.c)) | $p5_ratio | ≤ 2 | $(verdict "$p5_ratio" "<=" 2) |
| P6 | merge on delete (the external delete above) | $(ms "$(med p2b.external.delete)") | \`qemu-img rebase\` of the same data $(ms "$(med bare.external.delete)") | $(p2b_bare external delete) | ≤ 1.1 | $(verdict "$(p2b_bare external delete)" "<=" 1.1) |
| P7 | \`xlsnap snapshot-list\` of a 100-snapshot domain, fresh process, wall (scripts/bench-cli-start.sh, $p7_runs runs) | ${p7_cds} s | virsh snapshot-list: $p7_virsh | | < 0.35 s | $(verdict "$p7_cds" "<=" 0.35) |
| P8 | real Xen downtime of a stopped checkpoint with an internal qcow2 snapshot | measured by the real-xen stage, see libxl-binding/NOTES-real-xen.md | | | | |

How each was measured:
- P1: $tree_n snapshots in one chain, metadata written directly (\`PeerRunner fill\`); libvirt: one
  virsh session of \`test:///default\` creating them, then \`snapshot-list --tree\` (time of that command
  alone, \`virsh -t\`); JMH $(echo "${jmh[@]}"), one fork.
- P2: in one JVM, alternately the store's save of one more snapshot and a bare Java write of one
  record of $(awk -v v="$(med p2.record_bytes)" 'BEGIN {printf "%.0f", v}') bytes (the size of one of the store's records) to a temporary file, fsync, rename, directory fsync;
  30 untimed rounds first (the JIT).
- P2b, P6: a ${img_mib} MiB qcow2 image holding ${data_mib} MiB, copied for each side. xlsnap
  (\`PeerRunner offline\`, after an untimed pass on a small disk): a simulated domain on a copy, $snaps
  disk-only snapshots with ${overlay_mib} MiB of guest writes after each, a forced revert to the
  first, then the delete of the second. A Xen domain that is not running does not exist, so the
  creates are of a running domain (paused for the snapshot) and the revert restarts it; libvirt's
  shut-off domain (\`qemu:///embed\`, virsh -t per command) does the same steps. Bare qemu-img: the
  same data, \`snapshot -c/-a/-d\`, \`create -b\` of an overlay, and for the delete the safe
  \`rebase\` of the next overlay onto the base (the merge xlsnap does), wall time of each process.
- P3, P4: one JVM; a simulated guest of $mem_mib MiB of random bytes (\`SimDomainSpec\` allows at most
  1 GiB, so not the 2 GiB of the target); the bound is a Java \`FileChannel\` write of as many bytes
  and \`force\`. P4: a guest thread dirties random pages at a rate of 1% of the guest per the time the
  stopped checkpoint took; achieved $(awk -v v="$(med p4.dirtied_pct_per_s)" 'BEGIN {printf "%.2f", v}')% of the pages per second, live rounds $(med p4.live_rounds | cut -d. -f1),
  pages sent again $(awk -v v="$(med p4.resent_pct)" 'BEGIN {printf "%.2f", v}')%.
- P5: the config from \`benchmarks/src/main/c/gen-big-cfg.py\`; C: $c_parses timed parses after 5
  untimed, each \`xlu_cfg_init\` + \`xlu_cfg_readdata\` + \`xlu_cfg_destroy\`; Java: \`XlConfig.parse\`.
MD
}

if [ $smoke = 1 ] && [ -z "$out" ]; then
  section
elif [ -n "$out" ]; then
  section > "$out"
else
  section > "$work/section.md"
  awk -v sec="$work/section.md" '!done && /^## / {while ((getline l < sec) > 0) print l; print ""; done = 1} {print}' \
    BENCHMARKS.md > "$work/BENCHMARKS.md"
  cp "$work/BENCHMARKS.md" BENCHMARKS.md
  log "wrote the section at the top of BENCHMARKS.md"
  cp "$samples" "$repo/benchmarks/target/bench-peers.samples"
fi
