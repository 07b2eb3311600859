#!/usr/bin/env bash
# Coverage-guided fuzzing with Jazzer: cfg-parser's readers (XlConfigFuzzTest, 60 s), core's qcow2
# header reader (Qcow2HeaderFuzzTest, 30 s) and the snapshot store's JSON readers
# (JsonReadersFuzzTest, 30 s) and export document reader (MetadataDocumentsFuzzTest, 30 s), for the
# time each @FuzzTest(maxDuration)
# sets. Exits non-zero on a finding: an exception other than the documented
# typed ones, a stack overflow, or an input running over the 5 s per-input timeout. The input is
# saved as <module>/src/test/resources/<package>/<Test>Inputs/<method>/crash-<sha1>: fix the bug
# and commit the file, and every build replays it.
# JUnit's own timeouts are disabled here: in fuzzing mode the whole run is one JUnit invocation, and
# Jazzer passes the @Timeout to libFuzzer as its per-input -timeout instead.
# Usage: scripts/fuzz.sh [extra maven arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
# One Maven run for the four: the reactor builds two modules at a time (-T 2), so cfg-parser's
# fuzzing runs beside core's and the build of snapshot-store, and snapshot-store's two fuzz tests run
# in two test JVMs at once (xlsnap.forkCount=2). Jazzer fuzzes on one thread, for the time each
# test's maxDuration sets; for part of the run three fuzzers share this machine's two cores.
# xlsnap.skipCoreSuites: snapshot-store's second surefire execution (core's suites on the JSON store)
# would otherwise fuzz the selected tests a second time.
JAZZER_FUZZ=1 mvn -B -ntp -q -T 2 -pl cfg-parser,snapshot-store -am test \
  -Dtest=XlConfigFuzzTest,Qcow2HeaderFuzzTest,JsonReadersFuzzTest,MetadataDocumentsFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dxlsnap.skipCoreSuites=true -Dxlsnap.forkCount=2 -Djunit.jupiter.execution.timeout.mode=disabled "$@"
