"""Probe of the `files` family: prints the work directory's final state as one JSON object.

{"files": {"<relative path>": "<text, capped>"}, "count": N}. The verifier checks this against the task's
outcome schema, so the probe reads everything a task could be judged on and nothing more.
"""
import json
import os

ROOT = "/work"
MAX_FILES = 64
MAX_BYTES = 2048

files = {}
count = 0
for base, _dirs, names in os.walk(ROOT):
    for name in sorted(names):
        count += 1
        if len(files) >= MAX_FILES:
            continue
        full = os.path.join(base, name)
        with open(full, "rb") as handle:
            files[os.path.relpath(full, ROOT)] = handle.read(MAX_BYTES).decode("utf-8", "replace")
print(json.dumps({"files": files, "count": count}, sort_keys=True))
