#!/usr/bin/env bash
# Checks that bom/pom.xml (which has no parent, see its comment) has the parent's version and manages
# every deployed module: each module of the parent except the BOM itself and the modules that set
# maven.deploy.skip (examples, benchmarks).
set -euo pipefail
cd "$(dirname "$0")/.."
version() { sed -n 's:^  <version>\(.*\)</version>:\1:p' "$1" | head -1; }
parent=$(version pom.xml)
bom=$(version bom/pom.xml)
if [ "$parent" != "$bom" ]; then
  echo "check-bom: bom/pom.xml has version $bom, the parent $parent" >&2
  exit 1
fi
status=0
for module in $(sed -n 's:^ *<module>\(.*\)</module>:\1:p' pom.xml); do
  [ "$module" = bom ] && continue
  grep -q '<maven.deploy.skip>true</maven.deploy.skip>' "$module/pom.xml" && continue
  artifact=$(sed -n 's:^  <artifactId>\(.*\)</artifactId>:\1:p' "$module/pom.xml" | head -1)
  if ! grep -q "<artifactId>$artifact</artifactId>" bom/pom.xml; then
    echo "check-bom: $artifact (module $module) is deployed but not in bom/pom.xml" >&2
    status=1
  fi
done
exit $status
