#!/usr/bin/env bash
# Builds the sandbox base image offline (no registry): debootstrap a minimal Debian, import it.
# The tag is the hash of this file, so the image is rebuilt only when this recipe changes.
# Usage: sudo bash scripts/build-base-image.sh   (prints the image tag on the last line of stdout)
set -euo pipefail

SUITE=bookworm
PACKAGES=python3,sqlite3
AGENT_UID=1000
# debootstrap, chroot and friends live in sbin, which a non-login root shell may lack.
export PATH="$PATH:/usr/sbin:/sbin"

say() { echo "build-base-image [${SECONDS}s]: $*" >&2; }
die() { say "error: $*"; exit 1; }

script_path="$(readlink -f "${BASH_SOURCE[0]}")"
recipe_hash="$(sha256sum "$script_path" | cut -c1-12)"
tag="tasksynth-base:${recipe_hash}"

command -v docker >/dev/null || die "the docker CLI is not installed"
docker version >/dev/null 2>&1 || die "no Docker engine answers (${DOCKER_HOST:-unix:///var/run/docker.sock})"

# Mirror: the first plain Debian archive URI apt is configured with (one-line or deb822 sources).
find_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    grep -v '^[[:space:]]*#' "$f" \
      | grep -oE '(https?://[^[:space:]]+)' \
      | sed 's:/*$::' \
      | grep -E '^https?://[^/]+/debian$' || true
  done | head -n1
}
mirror="$(find_mirror)"
mirror="${mirror:-http://deb.debian.org/debian}"

# One build at a time; a second caller waits and then finds the image.
lock_dir="${TASKSYNTH_HOME:-$HOME/.tasksynth}/locks"
mkdir -p "$lock_dir"
exec 9>>"$lock_dir/base-image.lock"
flock 9

if docker image inspect "$tag" >/dev/null 2>&1; then
  say "$tag is already there"
  echo "$tag"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "$tag is missing and building it needs root (debootstrap and chroot); run this as root once"

if ! command -v debootstrap >/dev/null; then
  command -v apt-get >/dev/null || die "debootstrap is not installed and there is no apt-get to install it"
  say "installing debootstrap"
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap >&2
fi

workdir="$(mktemp -d /tmp/tasksynth-rootfs.XXXXXX)"
rootfs="$workdir/rootfs"
cleanup() {
  # debootstrap mounts proc/sys inside the target; unmount before deleting so nothing on the host is touched.
  local m
  for m in $(awk -v p="$workdir" 'index($2, p) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
  rm -rf --one-file-system "$workdir"
  say "removed $workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
# A tmpfs makes the build and, above all, the cleanup fast (deleting the tree from disk took ~25 s here).
if mount -t tmpfs -o size=4g,mode=0755 tasksynth-rootfs "$workdir" 2>/dev/null; then
  say "building in a tmpfs"
fi

say "debootstrap $SUITE from $mirror into $rootfs"
debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$rootfs" "$mirror" >&2

say "creating user agent ($AGENT_UID:$AGENT_UID) with home /work"
chroot "$rootfs" /usr/sbin/groupadd --gid "$AGENT_UID" agent
chroot "$rootfs" /usr/sbin/useradd --uid "$AGENT_UID" --gid "$AGENT_UID" --home-dir /work --no-create-home \
  --shell /bin/bash agent
mkdir -p "$rootfs/work"
chown "$AGENT_UID:$AGENT_UID" "$rootfs/work"
chmod 0755 "$rootfs/work"

say "cleaning apt lists and caches"
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/var/cache/apt/archives/partial/* "$rootfs"/var/log/apt/* "$rootfs"/var/cache/debconf/*-old
# Host identity must not leak into the image; Docker provides these at run time.
: >"$rootfs/etc/resolv.conf"
: >"$rootfs/etc/hostname"

say "importing as $tag"
tar --numeric-owner -C "$rootfs" -c . \
  | docker import \
      --change 'USER 1000:1000' \
      --change 'WORKDIR /work' \
      --change 'ENV PYTHONDONTWRITEBYTECODE=1' \
      --change 'LABEL tasksynth.image=base' \
      - "$tag" >&2

say "built $tag"
echo "$tag"
