"""Setup of the `files` environment: writes a task's initial files under the directory named by "out"."""
from files_tasks import make_task
from tasksynth_state import run_setup

run_setup(make_task)
