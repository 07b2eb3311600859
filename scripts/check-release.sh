#!/usr/bin/env bash
# Checks, after `mvn verify` (scripts/test.sh), that every module the BOM publishes has what Maven
# Central requires: the jar with META-INF/LICENSE, a sources jar and a javadoc jar, and a POM with a
# name and description, the parent giving url, licenses, developers and scm. Signing is the release
# profile's job (mvn -Prelease deploy); it needs keys and is not checked here.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(sed -n 's:^  <version>\(.*\)</version>:\1:p' pom.xml | head -1)
status=0
fail() { echo "check-release: $*" >&2; status=1; }
for tag in url licenses developers scm; do
  grep -q "<$tag>" pom.xml || fail "pom.xml has no <$tag>"
done
for tag in name description url licenses developers scm; do
  grep -q "<$tag>" bom/pom.xml || fail "bom/pom.xml has no <$tag>"
done
for artifact in $(sed -n 's:^ *<artifactId>\(xlsnap-[a-z-]*\)</artifactId>:\1:p' bom/pom.xml | grep -v '^xlsnap-bom$'); do
  module=$(grep -l "^  <artifactId>$artifact</artifactId>" */pom.xml | head -1 | xargs dirname)
  [ -n "$module" ] || { fail "$artifact: no module"; continue; }
  for tag in name description; do
    grep -q "^  <$tag>" "$module/pom.xml" || fail "$module/pom.xml has no <$tag>"
  done
  for suffix in "" -sources -javadoc; do
    jar="$module/target/$artifact-$version$suffix.jar"
    [ -s "$jar" ] || { fail "missing $jar"; continue; }
    # (not a pipe into grep -q: with pipefail, unzip's SIGPIPE would fail the check)
    entries=$(unzip -Z1 "$jar")
    grep -qx 'META-INF/LICENSE' <<<"$entries" || [ "$suffix" != "" ] || fail "$jar has no META-INF/LICENSE"
  done
done
[ $status -eq 0 ] && echo "check-release: every published module has its jar, sources, javadoc and POM metadata"
exit $status
