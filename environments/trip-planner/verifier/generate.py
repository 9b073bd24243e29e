"""Generator of the `trip-planner` environment: {"seed", "tier", "indexes"} on stdin, {"tasks": [...]} on stdout.

Each task goes out without its catalog, which setup writes as the database and the probe rebuilds privately."""
from trip_tasks import PRIVATE_KEYS, make_task
from tasksynth_state import emit, read_request

request = read_request()
tasks = []
for index in request["indexes"]:
    task = make_task(request["seed"], request["tier"], index)
    tasks.append({"index": index, **{k: v for k, v in task.items() if k not in PRIVATE_KEYS}})
emit({"tasks": tasks})
