#!/usr/bin/env bash
# Runs cfg-parser's JMH benchmark (XlConfigBenchmark: a 1 MiB realistic xl config, warm and cold).
# Not part of the tests. Results and how to read them: cfg-parser/BENCHMARKS.md.
# Usage: scripts/bench.sh [JMH options, e.g. -f 1 -wi 3 -i 5 or a benchmark regexp]
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -ntp -q -pl cfg-parser -am test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
cp="cfg-parser/target/test-classes:cfg-parser/target/classes:$(cat cfg-parser/target/bench.classpath)"
exec java -cp "$cp" org.openjdk.jmh.Main "${@:-io.github.xlsnap.cfg.bench.XlConfigBenchmark}"
