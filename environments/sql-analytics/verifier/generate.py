"""Generator of the `sql-analytics` environment: {"seed", "tier", "indexes"} on stdin, {"tasks": [...]} on stdout.
Each task's database is built in memory to compute its answer and the file's sha256; only the task is printed."""
from sqla_tasks import make_task
from tasksynth_state import run_generator

run_generator(make_task)
