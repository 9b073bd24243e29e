"""Setup of the `shell-ops` environment: writes a task's initial tree (folders, empty ones included, and text files)
under the directory named by "out"."""
import os

from shell_ops_tasks import make_task
from tasksynth_state import read_request

request = read_request()
task = make_task(request["seed"], request["tier"], request["index"])
out = request["out"]
for folder in task["dirs"]:
    os.makedirs(os.path.join(out, folder), mode=0o755, exist_ok=True)
for name, text in task["files"].items():
    path = os.path.join(out, name)
    os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
