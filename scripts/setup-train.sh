#!/usr/bin/env bash
# The training environment for `tasksynth train`, in the state directory (it is large: PyPI's Linux torch wheel
# brings CUDA libraries, about 5 GB in all):
# - a Python virtual environment with the packages pinned in training/requirements.txt;
# - llama.cpp's LoRA-to-GGUF converter, taken from the llama.cpp source node-llama-cpp ships
#   (node_modules/node-llama-cpp/llama/gitRelease.bundle), so the adapter matches the engine that loads it.
# Skips what is in place: the venv is stamped with the sha256 of the requirements it was made from. One setup at a
# time (flock). Safe to run again; a failed install leaves no stamp, so the next run starts over.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
home="${TASKSYNTH_HOME:-$HOME/.tasksynth}"
train="$home/training"
venv="$train/venv"
requirements="$root/training/requirements.txt"
bundle="$root/node_modules/node-llama-cpp/llama/gitRelease.bundle"

mkdir -p "$home/locks" "$train"
exec 9>>"$home/locks/training-env.lock"
flock 9

want="$(sha256sum "$requirements" | cut -d' ' -f1)"
if [ -f "$venv/.tasksynth-requirements" ] && [ "$(cat "$venv/.tasksynth-requirements")" = "$want" ]; then
  echo "    Python training environment in place: $venv"
else
  command -v python3 >/dev/null || { echo "error: python3 is needed for the training environment" >&2; exit 1; }
  rm -rf "$venv"
  if ! python3 -m venv "$venv" 2>/dev/null; then
    # Debian's python3 ships venv without ensurepip; the apt package adds it.
    echo "    python3 -m venv failed: installing python3-venv"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  echo "    installing $(grep -c '^[a-z]' "$requirements") pinned packages into $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
  echo "$want" > "$venv/.tasksynth-requirements"
fi

[ -f "$bundle" ] || { echo "error: $bundle is missing: run npm ci first" >&2; exit 1; }
commit="$(git bundle list-heads "$bundle" | head -n 1 | cut -d' ' -f1)"
converter="$train/llama-convert-${commit:0:12}"
if [ -f "$converter/convert_lora_to_gguf.py" ]; then
  echo "    LoRA converter in place: $converter"
else
  tmp="$(mktemp -d "$train/.convert.XXXXXX")"
  git clone --quiet --no-checkout "$bundle" "$tmp/src"
  git -C "$tmp/src" -c advice.detachedHead=false checkout --quiet "$commit" -- convert_lora_to_gguf.py convert_hf_to_gguf.py conversion gguf-py
  mkdir -p "$tmp/out"
  mv "$tmp/src/convert_lora_to_gguf.py" "$tmp/src/convert_hf_to_gguf.py" "$tmp/src/conversion" "$tmp/src/gguf-py" "$tmp/out/"
  rm -rf "$converter"
  mv "$tmp/out" "$converter"
  rm -rf "$tmp"
  echo "    LoRA converter from llama.cpp ${commit:0:12}: $converter"
fi
