#!/usr/bin/env bash
# Coverage-guided fuzzing with Jazzer: cfg-parser's readers (XlConfigFuzzTest, 60 s) and the
# snapshot store's JSON readers (JsonReadersFuzzTest, 30 s) and export document reader
# (MetadataDocumentsFuzzTest, 30 s), for the time each @FuzzTest(maxDuration)
# sets. Exits non-zero on a finding: an exception other than the documented
# typed ones, a stack overflow, or an input running over the 5 s per-input timeout. The input is
# saved as <module>/src/test/resources/<package>/<Test>Inputs/<method>/crash-<sha1>: fix the bug
# and commit the file, and every build replays it.
# JUnit's own timeouts are disabled here: in fuzzing mode the whole run is one JUnit invocation, and
# Jazzer passes the @Timeout to libFuzzer as its per-input -timeout instead.
# Usage: scripts/fuzz.sh [extra maven arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz() {
  # xlsnap.skipCoreSuites: snapshot-store's second surefire execution (core's suites on the JSON store)
  # would otherwise fuzz the selected test a second time
  JAZZER_FUZZ=1 mvn -B -ntp -q -pl "$1" -am test -Dtest="$2" -Dsurefire.failIfNoSpecifiedTests=false \
    -Dxlsnap.skipCoreSuites=true -Djunit.jupiter.execution.timeout.mode=disabled "${@:3}"
}
fuzz cfg-parser XlConfigFuzzTest "$@"
fuzz snapshot-store JsonReadersFuzzTest "$@"
fuzz snapshot-store MetadataDocumentsFuzzTest "$@"
