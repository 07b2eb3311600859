#!/usr/bin/env bash
# Builds xlsnap and runs the demo: a scripted snapshot lifecycle on a fresh simulated Xen host,
# printing the snapshot tree as it goes. Usage: scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/require-tools.sh demo
mvn -B -q -ntp -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "examples/target/classes:examples/target/lib/*" io.github.xlsnap.examples.Demo "$@"
