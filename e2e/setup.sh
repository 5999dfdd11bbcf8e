#!/usr/bin/env bash
# Installs and builds what the tests need, on a fresh machine (Java 17, Maven and Go 1.26 present):
# Debian's docker-registry (a real registry on 127.0.0.1) with apache2-utils (htpasswd for the
# credential tests), and the end-to-end tier's control plane, built from Go modules and cached.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v docker-registry >/dev/null 2>&1 || ! command -v htpasswd >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-registry apache2-utils
fi
command -v go >/dev/null 2>&1 || { echo "Go 1.26 is needed to build the test control plane (go: not found)" >&2; exit 1; }
start=$SECONDS
bin="$(bash e2e/control-plane/build.sh)"
echo "control plane ready in $((SECONDS - start)) s: $bin"
