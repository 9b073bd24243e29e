"""Runs the visible tests of the `code-repair` environment: every test_*.py file directly in /work, each test_*
function in the order of the file. Started by repair_tool.py's run_tests as the agent (the tests import the
agent's code, so this process has nothing the agent could not do itself).

A failed `assert call(...) == expected` is shown with what the call returned, computed again from the assert's
own text (the functions under test are pure), so the report says what went wrong, not just where.
"""
import ast
import importlib.util
import os
import sys
import traceback

ROOT = "/work"
MAX_REPR = 200


def short(value):
    text = repr(value)
    return text if len(text) <= MAX_REPR else text[:MAX_REPR] + "..."


def where(error, in_file=None):
    """The innermost frame of the error in a file of /work (in `in_file` if given): "file:line: code"."""
    found = None
    for frame in traceback.extract_tb(error.__traceback__):
        if frame.filename.startswith(ROOT + "/") and (in_file is None or frame.filename == in_file):
            found = frame
    if found is None:
        return None
    return f"{os.path.relpath(found.filename, ROOT)}:{found.lineno}: {(found.line or '').strip()}", found


def explain_assert(module, frame):
    """For `assert left == right`: what left gives now, next to what right expects."""
    try:
        node = ast.parse((frame.line or "").strip()).body[0]
    except (SyntaxError, IndexError):
        return None
    if not (isinstance(node, ast.Assert) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1
            and isinstance(node.test.ops[0], ast.Eq)):
        return None
    scope = vars(module)
    left = ast.unparse(node.test.left)
    try:
        expected = eval(compile(ast.Expression(node.test.comparators[0]), "<expected>", "eval"), scope)
    except Exception:  # noqa: BLE001
        return None
    try:
        got = short(eval(compile(ast.Expression(node.test.left), "<call>", "eval"), scope))
    except Exception as error:  # noqa: BLE001
        got = f"an error: {type(error).__name__}: {error}"
    return f"    {left} returned {got}, expected {short(expected)}"


def load(path):
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def run_file(path):
    """Runs one test file; returns (passed, failed)."""
    rel = os.path.relpath(path, ROOT)
    try:
        module = load(path)
    except BaseException as error:  # noqa: BLE001 - an import that fails is a result of the tests
        place = where(error)
        print(f"ERROR {rel} could not be loaded: {type(error).__name__}: {error}")
        if place:
            print(f"    at {place[0]}")
        return 0, 1
    tests = sorted(
        (f.__code__.co_firstlineno, name, f) for name, f in vars(module).items()
        if name.startswith("test_") and callable(f) and hasattr(f, "__code__")
    )
    passed = failed = 0
    for _line, name, test in tests:
        try:
            test()
        except AssertionError as error:
            failed += 1
            place = where(error, path)
            print(f"FAIL {name}")
            if place:
                print(f"    {place[0]}")
                detail = explain_assert(module, place[1])
                if detail:
                    print(detail)
            continue
        except BaseException as error:  # noqa: BLE001
            failed += 1
            print(f"ERROR {name}: {type(error).__name__}: {error}"[:400])
            place = where(error)
            if place:
                print(f"    at {place[0]}")
            test_place = where(error, path)
            if test_place and place and test_place[0] != place[0]:
                print(f"    called from {test_place[0]}")
            continue
        passed += 1
        print(f"PASS {name}")
    return passed, failed


def main():
    sys.path.insert(0, ROOT)
    files = sorted(n for n in os.listdir(ROOT) if n.startswith("test_") and n.endswith(".py"))
    if not files:
        print("no test files (test_*.py) in the work directory")
        return 1
    passed = failed = 0
    for name in files:
        p, f = run_file(os.path.join(ROOT, name))
        passed, failed = passed + p, failed + f
    print(f"\n{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
