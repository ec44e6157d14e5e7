#!/usr/bin/env bash
# Reproduces the tables in docs/performance.md: installs what the harness needs (rclone from
# apt, the S3Proxy standalone jar from Maven Central), builds the shaded benchmark jar, runs
# io.migrate.benchmarks.harness.Harness and writes its output into docs/performance.md.
#
#   benchmarks/run.sh            full run (~15 min on 2 cores)
#   benchmarks/run.sh --quick    small inputs, one run each (~3 min)
#   benchmarks/run.sh --only=posix,dispatch --runs=5    any Harness option (see Harness.Options)
#   OUT=- benchmarks/run.sh ...  print the Markdown instead of updating docs/performance.md
set -euo pipefail
cd "$(dirname "$0")/.."
S3PROXY_VERSION=4.1.0

if ! command -v rclone >/dev/null; then
  echo "installing rclone (apt)"
  apt-get update -qq && apt-get install -y -qq rclone
fi
if [[ " $* " != *"--s3-servers="* || " $* " == *"rgw"* ]] && ! command -v radosgw >/dev/null; then
  echo "installing Ceph RGW (apt, ~4 min)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    ceph-mon ceph-osd radosgw ceph-common
fi
jar="$HOME/.m2/repository/org/gaul/s3proxy/$S3PROXY_VERSION/s3proxy-$S3PROXY_VERSION-jar-with-dependencies.jar"
if [ ! -f "$jar" ]; then
  mvn -B -q dependency:get -Dartifact="org.gaul:s3proxy:$S3PROXY_VERSION:jar:jar-with-dependencies"
fi
if [ "${SKIP_BUILD:-}" != 1 ]; then
  mvn -B -q -pl benchmarks -am package -DskipTests
fi
unset AWS_CA_BUNDLE # rclone rejects the bundle some environments set
out="${OUT:-docs/performance.md}"
args=(--s3proxy-jar="$jar")
[ "$out" != "-" ] && args+=(--out="$out")
# Every server and child process the harness starts is stopped by the harness itself.
exec java -Xmx2g -XX:+UseG1GC -cp benchmarks/target/benchmarks.jar \
  io.migrate.benchmarks.harness.Harness "${args[@]}" "$@"
