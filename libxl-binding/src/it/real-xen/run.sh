#!/usr/bin/env bash
# The real-xen stage end to end (the Maven profile real-xen runs this in integration-test):
# fetch.sh -> build-images.sh -> build-share.sh -> boot.sh -> check.sh.
# Usage: run.sh <test class path> <console launcher jar> <test class>...
# Env: XLSNAP_XEN_CACHE (downloads, ~/.cache/xlsnap/real-xen), WORK (this run, target/real-xen), TIMEOUT.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
export WORK=${WORK:-$HERE/../../../target/real-xen}
mkdir -p "$WORK"
t0=$(date +%s)
"$HERE/fetch.sh"
"$HERE/build-images.sh"
"$HERE/build-share.sh" "$@"
t1=$(date +%s)
rc=0
"$HERE/boot.sh" || rc=$?
t2=$(date +%s)
"$HERE/check.sh" || rc=1
echo "real-xen: host preparation $((t1-t0)) s, QEMU/Xen run $((t2-t1)) s, total $((t2-t0)) s: $([ $rc = 0 ] && echo PASS || echo FAIL)"
exit $rc
