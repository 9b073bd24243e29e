"""Runs one of a package's verifier programs (generator, setup or probe) inside the sandbox image.

Started by tasksynth as `python3 -I run_verifier.py <private dir> <script>` under the verifier's own uid, with
/ as the working directory: -I keeps start-up hooks, user site-packages, PYTHON* variables and the working
directory out of the interpreter, so nothing the agent wrote can load here. This file then puts the package's
private folder and this runtime folder (in that order) on sys.path, so a package's programs can import their
own modules and `tasksynth_state`, and runs the script as __main__.
"""
import os
import runpy
import sys

AGENT_UID = 1000
VERIFIER_UID = 1001
# Exit status meaning "the agent still has processes": the caller stops them again and retries.
AGENT_STILL_RUNNING = 3


def agent_processes():
    """Pids of processes still running under the agent's uid (zombies excluded: they hold no state)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", encoding="ascii", errors="replace") as handle:
                fields = dict(line.split(":", 1) for line in handle if ":" in line)
        except OSError:
            continue
        uids = fields.get("Uid", "").split()
        if uids and int(uids[0]) == AGENT_UID and not fields.get("State", "").strip().startswith("Z"):
            found.append(int(name))
    return found


def main():
    args = sys.argv[1:]
    if args[:1] == ["--require-no-agent-processes"]:
        args = args[1:]
        pids = agent_processes()
        if pids:
            print(f"run_verifier: agent processes still running: {pids[:10]}", file=sys.stderr)
            return AGENT_STILL_RUNNING
    if len(args) != 2:
        print("usage: run_verifier.py [--require-no-agent-processes] <private dir> <script>", file=sys.stderr)
        return 2
    private, script = args
    if os.getuid() == 0:
        # A test-runner sandbox: work as the verifier, keeping the real uid 0 only so that
        # tasksynth_state.run_as_agent can start the agent's code in children under the agent's uid. Not dumpable,
        # so no process of another uid may read this one's memory or descriptors.
        import ctypes

        os.setegid(VERIFIER_UID)
        os.seteuid(VERIFIER_UID)
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE, 0
    path = os.path.join(private, script)
    if not os.path.isfile(path):
        print(f"run_verifier: no such program {path}", file=sys.stderr)
        return 2
    os.chdir("/")
    os.umask(0o022)
    sys.path[:0] = [private, os.path.dirname(os.path.abspath(__file__))]
    sys.argv = [path]
    runpy.run_path(path, run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
