#!/usr/bin/env bash
# Makes sure a Docker engine answers: DOCKER_HOST or the local socket when one does; otherwise, as root on
# Debian, installs Debian's docker.io and starts dockerd in the background.
set -euo pipefail
TASKSYNTH_HOME="${TASKSYNTH_HOME:-$HOME/.tasksynth}"

answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if command -v docker >/dev/null && answers; then
  echo "    engine answers: Docker $(docker version --format '{{.Server.Version}}') at ${DOCKER_HOST:-unix:///var/run/docker.sock}"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ]; then
  echo "error: DOCKER_HOST=$DOCKER_HOST is set but no Docker engine answers there; start it or unset DOCKER_HOST" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: no Docker engine answers and this user is not root; start Docker (or set DOCKER_HOST) and run again" >&2
  exit 1
fi
if ! command -v dockerd >/dev/null; then
  if ! command -v apt-get >/dev/null; then
    echo "error: no Docker engine answers and apt-get is missing; install and start Docker, then run again" >&2
    exit 1
  fi
  echo "    installing Debian's docker.io"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null
fi
mkdir -p "$TASKSYNTH_HOME/logs"
log="$TASKSYNTH_HOME/logs/dockerd.log"
echo "    starting dockerd (log: $log)"
nohup dockerd >>"$log" 2>&1 &
for _ in $(seq 1 60); do
  if answers; then
    echo "    engine answers: Docker $(docker version --format '{{.Server.Version}}')"
    exit 0
  fi
  sleep 1
done
echo "error: dockerd did not answer within 60 s; last lines of $log:" >&2
tail -n 20 "$log" >&2
exit 1
