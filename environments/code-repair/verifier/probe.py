"""Probe of the `code-repair` environment, in a test-runner sandbox holding a copy of the agent's final /work.

The hidden cases (rebuilt here from seed, tier and index; the agent never sees them) go to the agent's modules in
one child run as the agent (hidden_child.py), which returns values only. This process compares each value, as
canonical JSON, with the right answer: plain data on both sides, so no object of the agent's can fake equality.
A child that crashes, hangs or prints something else answers nothing, and every case fails. Reported: how many
cases passed of how many, per case whether it passed, the first few failures, and whether the visible test file
is as setup wrote it (a fact only: the verdict comes from the hidden cases).
"""
import hashlib
import json
import os

from repair_exec import canonical
from repair_tasks import make_task
from tasksynth_state import digest_fact, emit, read_request, run_as_agent

# Well inside the sandbox's limit on the probe's whole run.
CHILD_SECONDS = 5.0
SHOWN_FAILURES = 5
CHILD = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "hidden_child.py"), encoding="utf-8").read()


def verdicts(results, hidden):
    passed, failures = [], []
    for result, (module, function, args, want) in zip(results, hidden):
        ok = isinstance(result, dict) and result.get("ok") is True and canonical(result.get("value")) == want
        passed.append(ok)
        if not ok and len(failures) < SHOWN_FAILURES:
            if not isinstance(result, dict):
                got = "no answer"
            elif result.get("ok") is True:
                got = "returned " + canonical(result.get("value"))[:120]
            else:
                got = str(result.get("error"))[:160]
            failures.append({"call": f"{module}.{function}({', '.join(map(repr, args))})"[:160], "got": got})
    return passed, failures


request = read_request()
root = request["root"]
task = make_task(request["seed"], request["tier"], request["index"])
hidden = task["hidden"]
payload = json.dumps({"modules": task["order"], "cases": [[m, f, a] for m, f, a, _ in hidden]}).encode()
_status, out, _err = run_as_agent(["python3", "-I", "-B", "-c", CHILD, root], payload, timeout=CHILD_SECONDS, cwd=root)
lines = out.decode("utf-8", "replace").strip().splitlines()
try:
    results = json.loads(lines[-1]) if lines else None
except (ValueError, RecursionError):
    results = None
answered = isinstance(results, list) and len(results) == len(hidden)
passed, failures = verdicts(results if answered else [None] * len(hidden), hidden)
test_file = next(path for path in task["files"] if path.startswith("test_"))
written = hashlib.sha256(task["files"][test_file].encode("utf-8")).hexdigest()
emit({
    "hidden": {"total": len(hidden), "passed": sum(passed), "answered": answered, "results": passed,
               "failures": failures},
    "visibleTests": {"path": test_file, "unchanged": digest_fact(root, test_file, 1024 * 1024).get("sha256") == written},
})
