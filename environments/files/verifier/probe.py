"""Probe of the `files` environment: the work directory's final state as facts (types, sizes, texts).

The files the task is judged on are always reported, whatever else the agent created; the schema decides.
"""
from files_tasks import make_task
from tasksynth_state import emit, read_request, read_tree

request = read_request()
task = make_task(request["seed"], request["tier"], request["index"])
judged = task["outcomeSchema"]["properties"]["state"]["properties"]["tree"]["required"]
emit(read_tree(request["root"], always=judged))
