"""Probe of the `data-interpreter` environment: facts about the task's data files as the agent left them.

For each data file setup wrote: its type, and for a regular file its size and sha256 (the outcome schema requires
them unchanged, so an answer reached by editing the data fails). tasksynth_state.digest_fact resolves each path
one component at a time without following any link; a symlink, a folder, a FIFO or an unreadable file is
reported as what it is. The answer itself is judged from the submission, not here.
"""
from di_tasks import make_task
from tasksynth_state import digest_fact, emit, read_request

# Data files are at most a few tens of KiB; anything much larger was not left as setup wrote it.
MAX_HASHED = 4 * 1024 * 1024

request = read_request()
task = make_task(request["seed"], request["tier"], request["index"])
emit({"files": {path: digest_fact(request["root"], path, MAX_HASHED) for path in sorted(task["files"])}})
