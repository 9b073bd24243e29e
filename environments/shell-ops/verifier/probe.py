"""Probe of the `shell-ops` environment: the final tree of /work as facts, never a verdict.

Every entry is listed (types, sizes, the start of each text) within read_tree's bounds; `complete` says whether the
listing holds them all. The paths the task is judged on are then read again one by one, whatever the listing's caps
(a flood of files cannot push them out), each with a text cap a little past its required text: a longer file shows
as truncated. Paths that do not exist are reported as {"type": "missing"}; links are reported, never followed.
"""
from shell_ops_tasks import make_task
from tasksynth_state import emit, entry_fact, read_request, read_tree

LISTED_ENTRIES = 400
LISTED_TEXT = 64
LISTED_BYTES = 96 * 1024

request = read_request()
task = make_task(request["seed"], request["tier"], request["index"])
root = request["root"]
report = read_tree(root, max_entries=LISTED_ENTRIES, max_text=LISTED_TEXT, max_bytes=LISTED_BYTES)
for path, max_text in task["judged"].items():
    report["tree"][path] = entry_fact(path, max_text, root=root)
emit(report)
