#!/usr/bin/env bash
# Coverage-guided fuzzing of cfg-parser's readers with Jazzer (XlConfigFuzzTest) for the 60 s its
# @FuzzTest(maxDuration) sets. Exits non-zero on a finding: an exception other than the documented
# typed ones, a stack overflow, or an input running over the 5 s per-input timeout. The input is
# saved as cfg-parser/src/test/resources/io/github/xlsnap/cfg/XlConfigFuzzTestInputs/
# readersThrowOnlyTypedErrors/crash-<sha1>: fix the bug and commit the file, and every build replays it.
# JUnit's own timeouts are disabled here: in fuzzing mode the whole run is one JUnit invocation, and
# Jazzer passes the @Timeout to libFuzzer as its per-input -timeout instead.
# Usage: scripts/fuzz.sh [extra maven arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
JAZZER_FUZZ=1 exec mvn -B -ntp -q -pl cfg-parser -am test -Dtest=XlConfigFuzzTest -Dsurefire.failIfNoSpecifiedTests=false \
  -Djunit.jupiter.execution.timeout.mode=disabled "$@"
