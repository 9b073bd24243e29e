"""Setup of the `files` environment: writes a task's initial files under the directory named by "out"."""
import os

from files_tasks import make_task
from tasksynth_state import read_request

request = read_request()
task = make_task(request["seed"], request["tier"], request["index"])
for name, text in task["files"].items():
    path = os.path.join(request["out"], name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text)
