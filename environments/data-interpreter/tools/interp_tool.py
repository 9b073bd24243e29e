"""In-sandbox tools of the `data-interpreter` environment, run as the agent.

Called as: python3 -I interp_tool.py <tool>, the call's arguments as one JSON object on stdin. Prints the tool's
result on stdout; a bad call (or code that fails) exits 1 with the reason on stderr. The sandbox guards the host
and kills the whole call at its own timeout; this keeps the task's meaning (stay in /work) and the output small.
"""
import json
import os
import selectors
import signal
import stat
import subprocess
import sys
import time

ROOT = "/work"
MAX_READ = 3000
MAX_LISTED = 200
MAX_CODE = 20000
# Shorter than the sandbox's own limit on a call, so the agent sees what its code printed before it was stopped.
CODE_TIMEOUT = 8.0
MAX_STDOUT = 3000
MAX_STDERR = 900
# How long output may stay open after the interpreter itself exited (children it left holding the pipes).
LINGER = 0.3


def resolve(path):
    if not isinstance(path, str) or not path.strip():
        raise ValueError("path must be a non-empty string")
    full = os.path.realpath(os.path.join(ROOT, path.strip()))
    if full != ROOT and not full.startswith(ROOT + os.sep):
        raise ValueError(f"path {path!r} is outside the work directory")
    return full


def list_files(_args):
    names = []
    for base, dirs, files in os.walk(ROOT):
        dirs.sort()
        for name in files:
            names.append(os.path.relpath(os.path.join(base, name), ROOT))
        if len(names) > MAX_LISTED:
            break
    names.sort()
    if not names:
        return "(no files)"
    more = f"\n... and more (over {MAX_LISTED} files)" if len(names) > MAX_LISTED else ""
    return "\n".join(names[:MAX_LISTED]) + more


def read_file(args):
    full = resolve(args.get("path"))
    try:
        fd = os.open(full, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        raise ValueError(f"no such file: {args.get('path')}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"not a regular file: {args.get('path')}")
        data = os.read(fd, MAX_READ * 4 + 4)
    finally:
        os.close(fd)
    text = data.decode("utf-8", "replace")
    if len(text) > MAX_READ or info.st_size > len(data):
        shown = text[:MAX_READ]
        rest = info.st_size - len(shown.encode("utf-8", "replace"))
        return f"{shown}\n... (cut here: {rest} more bytes of {info.st_size}; read the whole file with python)"
    return text


def stop_group(pid):
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


# Runs the agent's code (argv[1]) as `python3 -c` would, and then, as a notebook cell does, shows the value of its
# last line when that is an expression (not None). Tracebacks leave out this runner's own frame.
RUNNER = """
import ast, builtins, sys, traceback
source = sys.argv[1]
sys.argv = ["-c"]
try:
    tree = ast.parse(source, "<string>")
except SyntaxError as error:
    traceback.print_exception(type(error), error, None)
    sys.exit(1)
last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
scope = {"__name__": "__main__", "__builtins__": builtins}
try:
    exec(compile(tree, "<string>", "exec"), scope)
    if last is not None:
        value = eval(compile(ast.Expression(last.value), "<string>", "eval"), scope)
        if value is not None:
            print(repr(value))
except (SystemExit, KeyboardInterrupt):
    raise
except BaseException as error:
    traceback.print_exception(type(error), error, error.__traceback__.tb_next)
    sys.exit(1)
"""


def _run_code(code):
    """Runs code in a fresh `python3 -I` as this (the agent's) uid in /work; returns (status, stdout, stderr, timed out).
    Output beyond the caps is read and dropped, so a flood cannot fill memory."""
    child = subprocess.Popen(
        ["python3", "-I", "-c", RUNNER, code],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        env={"PATH": "/usr/bin:/bin", "HOME": ROOT, "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"},
    )
    kept = {child.stdout: bytearray(), child.stderr: bytearray()}
    caps = {child.stdout: MAX_STDOUT * 4, child.stderr: 64 * 1024}
    selector = selectors.DefaultSelector()
    for pipe in kept:
        selector.register(pipe, selectors.EVENT_READ)
    deadline = time.monotonic() + CODE_TIMEOUT
    timed_out = False
    exited = False
    while selector.get_map():
        now = time.monotonic()
        if not exited and child.poll() is not None:
            # The interpreter is done; whatever it left running keeps the pipes open only a moment longer.
            exited = True
            deadline = min(deadline, now + LINGER)
        left = deadline - now
        if left <= 0:
            timed_out = not exited
            break
        for key, _ in selector.select(timeout=min(left, 0.05 if exited else 0.2)):
            chunk = os.read(key.fileobj.fileno(), 65536)
            if not chunk:
                selector.unregister(key.fileobj)
                continue
            buffer = kept[key.fileobj]
            room = caps[key.fileobj] - len(buffer)
            if room > 0:
                buffer.extend(chunk[:room])
    selector.close()
    if timed_out:
        stop_group(child.pid)
    try:
        status = child.wait(timeout=2 if timed_out else max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        # Output closed but the interpreter lingers past the limit: stop it and all it started.
        stop_group(child.pid)
        status = child.wait()
        timed_out = True
    # Nothing the code started outlives the call (the sandbox also stops every agent process after it).
    stop_group(child.pid)
    out = kept[child.stdout].decode("utf-8", "replace")
    err = kept[child.stderr].decode("utf-8", "replace")
    return status, out, err, timed_out


def python(args):
    code = args.get("code")
    if not isinstance(code, str) or not code.strip():
        raise ValueError("code must be a non-empty string of Python source")
    if len(code) > MAX_CODE:
        raise ValueError(f"code is longer than {MAX_CODE} characters")
    if "\x00" in code:
        raise ValueError("code must not contain NUL characters")
    status, out, err, timed_out = _run_code(code)
    if len(out) > MAX_STDOUT:
        out = out[:MAX_STDOUT] + f"\n... (output cut at {MAX_STDOUT} characters)"
    if len(err) > MAX_STDERR:
        err = "..." + err[-MAX_STDERR:]
    if timed_out:
        raise ValueError(f"{out}\n{err}\nstopped: the code ran longer than {CODE_TIMEOUT:.0f} seconds".strip())
    if status != 0:
        sys.stdout.write(out)
        raise ValueError(f"{err.rstrip()}\n(exit status {status})".strip())
    if err.strip():
        out = f"{out}\n[stderr]\n{err}"
    return out if out.strip() else "(the code showed nothing; print() the values you need)"


TOOLS = {"list_files": list_files, "read_file": read_file, "run_python": python}


def main(argv):
    if len(argv) != 2 or argv[1] not in TOOLS:
        print(f"usage: interp_tool.py {{{'|'.join(TOOLS)}}} < arguments.json", file=sys.stderr)
        return 2
    try:
        args = json.loads(sys.stdin.read())
        if not isinstance(args, dict):
            raise ValueError("arguments must be a JSON object")
        result = TOOLS[argv[1]](args)
        sys.stdout.write(result if result.endswith("\n") else result + "\n")
        return 0
    except (ValueError, OSError) as error:
        sys.stdout.flush()
        message = str(error)
        print(message if argv[1] == "run_python" else f"error: {message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
