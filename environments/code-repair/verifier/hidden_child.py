"""Child side of the code-repair probe, run as the agent (its text goes to `python3 -I -B -c`, since the agent's
uid cannot read the verifier's folder): loads the agent's modules from the work directory, calls each hidden
case's function and prints one JSON list of results as its last line. It never sees the answers: the probe
compares the values with them. What the agent's code prints goes to stderr, so it cannot shape that line by
accident; whatever it does on purpose only reports values, which are judged as plain JSON data.

argv: the work directory. stdin: {"modules": [names, in load order], "cases": [[module, function, args], ...]}.
Each result is {"ok": true, "value": v} or {"ok": false, "error": "..."}.

Before any of the agent's code runs, limits it cannot raise again: CPU seconds (an endless loop is killed by the
kernel, since the probe, lacking CAP_KILL, cannot signal the agent's uid itself), memory (so it cannot starve
the probe) and no new processes (nothing outlives the child holding its output open).
"""
import importlib.util
import json
import os
import resource
import sys

CPU_SECONDS = 2
MEMORY_BYTES = 192 * 1024 * 1024


def main():
    root = sys.argv[1]
    request = json.loads(sys.stdin.read())
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS + 1))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_BYTES, MEMORY_BYTES))
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    sys.path.insert(0, root)
    modules, errors = {}, {}
    for name in request["modules"]:
        try:
            spec = importlib.util.spec_from_file_location(name, os.path.join(root, f"{name}.py"))
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            spec.loader.exec_module(module)
            modules[name] = module
        except BaseException as error:  # noqa: BLE001 - any failure of the agent's code is a result
            sys.modules.pop(name, None)
            errors[name] = f"import {name}: {type(error).__name__}: {error}"[:200]
    results = []
    for module, function, args in request["cases"]:
        if module not in modules:
            results.append({"ok": False, "error": errors.get(module, "not loaded")})
            continue
        try:
            value = getattr(modules[module], function)(*args)
            json.dumps(value)
            results.append({"ok": True, "value": value})
        except BaseException as error:  # noqa: BLE001
            results.append({"ok": False, "error": f"{type(error).__name__}: {error}"[:200]})
    out.write(json.dumps(results) + "\n")
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
