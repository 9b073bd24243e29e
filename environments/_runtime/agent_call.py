"""Child side of tasksynth_state.call_agent_function, run as the agent: loads the agent's Python file, calls one of
its functions on each case's arguments (a JSON list of argument lists on stdin) and prints one JSON list of
results as its last line. What the agent's code prints goes to stderr, so it cannot shape that line by accident;
whatever it does on purpose only reports values, which the verifier compares with answers it never sees here."""
import importlib.util
import json
import os
import sys


def main():
    module_path, function = sys.argv[1], sys.argv[2]
    cases = json.loads(sys.stdin.read())
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.path.insert(0, os.path.dirname(module_path))
    results = []
    try:
        spec = importlib.util.spec_from_file_location("agent_solution", module_path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        target = getattr(module, function)
    except BaseException as error:  # noqa: BLE001 - any failure of the agent's code is a result
        out.write(json.dumps([{"ok": False, "error": f"import: {type(error).__name__}: {error}"[:200]} for _ in cases]) + "\n")
        return 0
    for args in cases:
        try:
            value = target(*args)
            json.dumps(value)
            results.append({"ok": True, "value": value})
        except BaseException as error:  # noqa: BLE001
            results.append({"ok": False, "error": f"{type(error).__name__}: {error}"[:200]})
    out.write(json.dumps(results) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
