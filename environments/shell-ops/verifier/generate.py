"""Generator of the `shell-ops` environment: {"seed", "tier", "indexes"} on stdin, {"tasks": [...]} on stdout.

Each task goes out without its private parts (the initial tree, which setup writes, and the probe's read limits)."""
from shell_ops_tasks import PRIVATE_KEYS, make_task
from tasksynth_state import emit, read_request

request = read_request()
tasks = []
for index in request["indexes"]:
    task = make_task(request["seed"], request["tier"], index)
    tasks.append({"index": index, **{k: v for k, v in task.items() if k not in PRIVATE_KEYS}})
emit({"tasks": tasks})
