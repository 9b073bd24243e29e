"""Running the task's own code (the right modules, the buggy ones, the mutants' edits) inside the verifier, to
know what each call returns. Private to the verifier; the agent's code never runs here (the probe runs it in a
child under the agent's uid).

Every call is bounded by a count of executed lines, not by a clock, so a bug that loops forever is cut off at
the same point on any machine and the tasks stay deterministic. A result is the call's value as canonical JSON
text, or "!" and the exception's name: two results are equal exactly when the values are the same JSON data
(True is not 1, 3.0 is not 3).
"""
import json
import sys
import types

# The right code of any template runs well under 3000 lines a call.
STEP_LIMIT = 5000


class OutOfSteps(BaseException):
    """Raised inside a call that ran more lines than STEP_LIMIT (a BaseException, so no `except Exception` in the
    code under test can swallow it)."""


def canonical(value):
    try:
        return json.dumps(value, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return "!unjsonable"


def _bounded(run):
    count = [0]

    def tracer(frame, event, arg):
        count[0] += 1
        if count[0] > STEP_LIMIT:
            raise OutOfSteps()
        return tracer

    sys.settrace(tracer)
    try:
        return run()
    finally:
        sys.settrace(None)


def load(sources, order):
    """The modules of `sources` (name -> text), executed in `order` (a helper module before the modules that
    import it), or the name of the exception that stopped it."""
    saved = {name: sys.modules.get(name) for name in order}
    modules = {}
    try:
        for name in order:
            module = types.ModuleType(name)
            module.__file__ = f"/work/{name}.py"
            sys.modules[name] = module
            code = compile(sources[name], module.__file__, "exec")
            _bounded(lambda: exec(code, module.__dict__))
            modules[name] = module
        return modules
    except (Exception, OutOfSteps) as error:
        return "!" + type(error).__name__
    finally:
        for name, before in saved.items():
            if before is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = before


def call(modules, module, function, args):
    """The result of module.function(*args) as canonical text (see above); args are copied first."""
    if isinstance(modules, str):
        return modules
    target = getattr(modules[module], function, None)
    if not callable(target):
        return "!missing"
    args = json.loads(json.dumps(args))
    try:
        return canonical(_bounded(lambda: target(*args)))
    except OutOfSteps:
        return "!OutOfSteps"
    except Exception as error:  # noqa: BLE001 - any failure of the code under test is its result
        return "!" + type(error).__name__


def results(sources, order, cases):
    """The result of each case (module, function, args) with the modules of `sources`."""
    modules = load(sources, order)
    return [call(modules, m, f, a) for m, f, a in cases]
