"""Setup of the `data-interpreter` environment: writes a task's data files under the directory named by "out"."""
from di_tasks import make_task
from tasksynth_state import run_setup

run_setup(make_task)
