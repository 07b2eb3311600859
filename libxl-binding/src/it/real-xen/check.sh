#!/usr/bin/env bash
# real-xen stage, step 5: reads the JUnit XML reports that dom0 wrote to the share and judges them
# against the stage's inventory (inventory.txt, by judge.pl): every listed test ran and passed, or was
# skipped with an allowed reason; no test ran that is not listed; the scenario lines that prove a raced
# path ran are there. Prints every skipped test with its reason and the scenario lines (downtime per
# snapshot) the tests wrote. Fails too if a child of libxl reported an inherited descriptor
# (_LIBXL_DEBUG_EXEC_FDS).
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${WORK:-$HERE/../../../target/real-xen}
OUT=$WORK/share/out
shopt -s nullglob
reports=("$OUT"/reports/*.xml)
[ ${#reports[@]} -gt 0 ] || { echo "real-xen: no JUnit reports in $OUT/reports" >&2; exit 1; }
mkdir -p "$WORK/reports" && cp "${reports[@]}" "$WORK/reports/"
tests=0; failures=0; errors=0; skipped=0
for r in "${reports[@]}"; do
  while read -r t f e s; do
    tests=$((tests+t)); failures=$((failures+f)); errors=$((errors+e)); skipped=$((skipped+s))
  done < <(perl -ne 'if(/<testsuite\b([^>]*)>/){my $a=$1; my %h=$a=~/(\w+)="([^"]*)"/g; print "$h{tests} $h{failures} $h{errors} $h{skipped}\n"}' "$r")
done
echo "real-xen: $tests tests, $failures failures, $errors errors, $skipped skipped"
perl -0ne 'while(/<testcase name="([^"]*)" classname="([^"]*)"[^>]*>\s*<skipped(?: message="([^"]*)")?\s*(?:\/>|>(?:<!\[CDATA\[)?([^\n]*))/g){print "  skipped: $2.$1: ".substr($3||$4,0,400)."\n"}' "${reports[@]}"
perl -0ne 'while(/<testcase name="([^"]*)" classname="([^"]*)"[^>]*>\s*<(failure|error)(?: message="([^"]*)")?/g){print "  FAILED: $2.$1: ".substr($4,0,300)."\n"}' "${reports[@]}"
# each lane appends its scenario lines to a file of its own as its tests run; joined here, not in dom0, so that
# the lines of a run that timed out or did not power off are judged and printed too
lane_scenarios=("$OUT"/scenarios-lane*.txt)
if [ ${#lane_scenarios[@]} -gt 0 ]; then cat "${lane_scenarios[@]}"; fi > "$OUT/scenarios.txt"
sed 's/^/  /' "$OUT/scenarios.txt"
[ "$tests" -gt 0 ] && [ "$tests" -gt "$skipped" ] || { echo "real-xen: no test ran" >&2; exit 1; }
judged=0
perl "$HERE/judge.pl" "$HERE/inventory.txt" "$OUT/scenarios.txt" "${reports[@]}" || judged=1
# _LIBXL_DEBUG_EXEC_FDS=1 (run-tests.sh): a child of libxl that inherited a descriptor printed this and aborted
# libxl itself clears close-on-exec on the stream it hands libxl-save-helper (libxl_save_callout.c: run_helper),
# so the check reports that one too: the memory image or save file (*.memory, *.save, *.img) is allowed for that helper.
# Tolerated and printed (NOTES-real-xen.md, "Descriptors"): in every libxl_domain_suspend the helper also inherits
# a copy of the caller's standard input, which the stage makes dom0's /dev/console: libxl 4.17 leaves the save's
# back channel descriptor at 0 (libxl_domain_suspend never sets dss->recv_fd), and run_helper dup()s it for the
# helper without close-on-exec. xl save does the same; it is libxl's, not a descriptor xlsnap opened.
reports=$(grep -rh 'libxl: execing .* is open to' "$WORK/serial.log" "$OUT/logs" 2>/dev/null | sed 's/^\[[ 0-9.]*\] //')
tolerated='execing [^ ]*/libxl-save-helper: fd [0-9]+ is open to /dev/console with flags'
n=$(echo "$reports" | grep -Ec "$tolerated")
[ "$n" -gt 0 ] && echo "real-xen: tolerated $n times (libxl's copy of the caller's stdin): $(echo "$reports" | grep -E "$tolerated" | sort -u | head -1)"
leaks=$(echo "$reports" | grep -Ev 'execing [^ ]*/libxl-save-helper: fd [0-9]+ is open to /[^ ]*\.(memory|save|img) with flags' \
  | grep -Ev "$tolerated" | grep -v '^$' | sort -u)
if [ -n "$leaks" ]; then
  echo "real-xen: descriptors leaked into children of libxl:" >&2; echo "$leaks" | sed 's/^/  /' >&2; exit 1
fi
grep -q '^export _LIBXL_DEBUG_EXEC_FDS=1$' "$WORK/share/run-tests.sh" \
  || { echo "real-xen: run-tests.sh does not arm _LIBXL_DEBUG_EXEC_FDS" >&2; exit 1; }
echo "real-xen: no descriptor leaked into a child of libxl (_LIBXL_DEBUG_EXEC_FDS=1)"
[ "$failures" -eq 0 ] && [ "$errors" -eq 0 ] && [ "$judged" -eq 0 ] || exit 1
exit 0
