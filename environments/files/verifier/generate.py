"""Generator of the `files` environment: {"seed", "tier", "indexes"} on stdin, {"tasks": [...]} on stdout."""
from files_tasks import make_task
from tasksynth_state import emit, read_request

request = read_request()
tasks = []
for index in request["indexes"]:
    task = make_task(request["seed"], request["tier"], index)
    task.pop("files")
    tasks.append({"index": index, **task})
emit({"tasks": tasks})
