"""Probe of the `sql-analytics` environment: facts about the database file in the agent's /work, never a verdict.

Reports what shop.db is (file, symlink, directory, missing, other) without following any link, and for a regular
file its size and the sha256 of its bytes (tasksynth_state.digest_fact; a larger file than any setup writes is
reported unhashed). The task's schema requires the very file setup wrote, and judges the submitted answer.
"""
from sqla_tasks import DB_NAME
from tasksynth_state import digest_fact, emit, read_request

MAX_HASHED = 64 * 1024 * 1024

request = read_request()
emit({"db": digest_fact(request["root"], DB_NAME, MAX_HASHED)})
