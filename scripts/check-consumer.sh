#!/usr/bin/env bash
# Builds scripts/consumer, a user's project that imports xlsnap-bom and depends on every published
# module with its own code a named module, against the artifacts in the local repository (run after
# `mvn install`), and runs it on the module path and on the class path with no extra JVM flags.
set -euo pipefail
cd "$(dirname "$0")/consumer"
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' ../../pom.xml | head -1)
rm -rf target
mvn -B -ntp -q -Dxlsnap.version="$version" package
out=$(java -p target/classes:target/lib -m consumer/consumer.Main 2>/dev/null)
echo "$out"
grep -q '^consumer OK (module path); libxl available: ' <<<"$out"
out=$(java -cp "target/classes:target/lib/*" consumer.Main 2>/dev/null)
echo "$out"
grep -q '^consumer OK (class path); libxl available: ' <<<"$out"
rm -rf target
