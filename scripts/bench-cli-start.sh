#!/usr/bin/env bash
# Start-up of the xlsnap command from its distribution: the wall time of `xlsnap snapshot-list <dom>`
# on a simulated host whose domain has 100 snapshots, each run a fresh process, median of N runs,
# with and without the start-up archive (CDS); beside `virsh snapshot-list` of libvirt's test driver
# if virsh is installed. Prints a markdown section (append it to BENCHMARKS.md).
# Usage: scripts/bench-cli-start.sh [runs (default 15)]     (after: mvn -q -DskipTests package)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-15}
tarball=$(ls examples/target/xlsnap-*.tar.gz 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "no examples/target/xlsnap-*.tar.gz: run mvn -q -DskipTests package" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar xzf "$tarball" -C "$work"
dist=$(echo "$work"/xlsnap-*)
xlsnap="$dist/bin/xlsnap"
export XDG_CACHE_HOME="$work/cache"

# a host with one domain of 100 snapshots, made in one process (100 commands would take minutes)
"$xlsnap" sim-init "$work/host" --domain web --memory 64K --disk 1M >/dev/null
java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$dist/lib/*" scripts/BenchFill.java "$work/host" web 100
export XLSNAP_CONNECT="sim://$work/host"
[ "$("$xlsnap" snapshot-list web --name | wc -l)" -eq 100 ] || { echo "the domain does not have 100 snapshots" >&2; exit 1; }

# median wall time in seconds of N runs of a command
median() {
  local i t0 t1
  for (( i = 0; i < runs; i++ )); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1; t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000000 ))
  done | sort -n | awk '{a[NR]=$1} END {m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2; printf "%.3f", m / 1000}'
}

java_version=$(java -version 2>&1 | head -n 1)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
"$xlsnap" snapshot-list web >/dev/null                  # the first run writes the archive: not counted
# with and without the archive alternately, so that both see the same load
: > "$work/cds.ms"; : > "$work/off.ms"
for (( r = 0; r < runs; r++ )); do
  runs=1 median "$xlsnap" snapshot-list web >> "$work/cds.ms"; echo >> "$work/cds.ms"
  XLSNAP_CDS=off runs=1 median "$xlsnap" snapshot-list web >> "$work/off.ms"; echo >> "$work/off.ms"
done
mid() { sort -n "$1" | awk '{a[NR]=$1} END {printf "%.3f", (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
cds=$(mid "$work/cds.ms")
no_cds=$(mid "$work/off.ms")
empty=$(median java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$dist/lib/*" \
  io.github.xlsnap.examples.cli.Xlsnap --version)
virsh_line="virsh not installed"
if command -v virsh >/dev/null; then
  # libvirt's test driver with one domain of 100 snapshots, from an XML file given to -c test:///<file>
  { echo "<node><domain type='test'><name>web</name><memory>65536</memory><os><type>hvm</type></os>"
    for i in $(seq -f %03g 1 100); do
      echo "<domainsnapshot><name>snap-$i</name><state>running</state><creationTime>$((1700000000 + 10#$i))</creationTime><memory snapshot='no'/></domainsnapshot>"
    done
    echo "</domain></node>"; } > "$work/test-node.xml"
  if n=$(virsh -q -c "test://$work/test-node.xml" snapshot-list web --name 2>/dev/null | grep -c .) && [ "$n" -eq 100 ]; then
    virsh_line="$(median virsh -c "test://$work/test-node.xml" snapshot-list web) s (100 snapshots)"
  else
    virsh_line="$(median virsh -c test:///default snapshot-list test) s (test:///default, no snapshots: the test driver did not load ours)"
  fi
fi
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

cat <<MD

## $(date -u +%Y-%m-%d): xlsnap snapshot-list start-up (P7)

\`xlsnap snapshot-list web\` from the distribution (\`bin/xlsnap\`), a domain with 100 snapshots on a
simulated host, each run a fresh process, median of $runs runs (wall time).

| what | median wall time |
|---|---|
| \`xlsnap snapshot-list\`, start-up archive (CDS) of the first run | ${cds} s |
| \`xlsnap snapshot-list\`, \`XLSNAP_CDS=off\` | ${no_cds} s |
| \`xlsnap --version\` without the launcher's archive (JVM + picocli, no host) | ${empty} s |
| \`virsh snapshot-list\` (libvirt test driver) | ${virsh_line} |

Machine: $(nproc) cores, load average $load_before before and $load_after after; $java_version;
$(virsh --version 2>/dev/null | sed 's/^/virsh /' || true) target P7: under 0.35 s.
MD
