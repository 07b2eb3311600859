#!/usr/bin/env bash
# Runs the whole test suite (every module, with javadoc and the enforcer rules): the test command.
# Usage: scripts/test.sh [extra maven arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/require-tools.sh test
scripts/check-bom.sh
exec mvn -B -ntp verify "$@"
