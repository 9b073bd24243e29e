"""Setup of the `code-repair` environment: writes a task's modules and visible test file under "out"."""
from repair_tasks import make_task
from tasksynth_state import run_setup

run_setup(make_task)
