"""Generator of the `data-interpreter` environment: {"seed", "tier", "indexes"} on stdin, {"tasks": [...]} on stdout."""
from di_tasks import make_task
from tasksynth_state import run_generator

run_generator(make_task)
