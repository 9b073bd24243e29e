#!/usr/bin/env python3
"""Runs a Python script (argv[1], with the arguments after it) so that it dies with the process that started it.

For scripts tasksynth does not own (llama.cpp's convert_lora_to_gguf.py): like the trainer, it asks the kernel for
SIGKILL when its parent dies (prctl PR_SET_PDEATHSIG), so a killed worker leaves no converter writing behind it.
"""
import ctypes
import os
import runpy
import signal
import sys

if len(sys.argv) < 2:
    print("usage: run_with_parent.py SCRIPT [ARGS...]", file=sys.stderr)
    sys.exit(2)
try:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
except OSError:
    pass
parent = os.environ.get("TASKSYNTH_PARENT_PID")
if parent and os.getppid() != int(parent):
    print(f"run_with_parent: the process that started it ({parent}) is gone", file=sys.stderr)
    sys.exit(1)
script = sys.argv[1]
sys.argv = sys.argv[1:]
sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
runpy.run_path(script, run_name="__main__")
