"""Generator of the `code-repair` environment: {"seed", "tier", "indexes"} on stdin, {"tasks": [...]} on stdout.
Each task goes out without its private parts (the files, which setup writes, and the hidden cases)."""
from repair_tasks import make_task, public
from tasksynth_state import emit, read_request

request = read_request()
tasks = []
for index in request["indexes"]:
    tasks.append({"index": index, **public(make_task(request["seed"], request["tier"], index))})
emit({"tasks": tasks})
