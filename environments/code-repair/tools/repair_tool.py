"""In-sandbox tools of the `code-repair` environment, run as the agent.

Called as: python3 -I repair_tool.py <tool>, the call's arguments as one JSON object on stdin. Prints the tool's
result on stdout; a bad call exits 1 with the reason on stderr. The sandbox guards the host; this keeps the task's
meaning: files are named relative to /work and reached without following any link (no absolute paths, no `..`),
and every output stays small enough for a model to read.
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
MAX_SHOWN = 8000
MAX_FILE = 256 * 1024
MAX_LISTED = 200
TEST_SECONDS = 6.0
MAX_TEST_OUTPUT = 3500
# How long output may stay open after the test process itself exited (children it left holding the pipe).
LINGER = 0.3
RUNNER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "visible_runner.py")


def parts_of(path):
    if not isinstance(path, str) or not path.strip():
        raise ValueError("path must be a non-empty string, e.g. scores.py")
    path = path.strip()
    if path.startswith("/"):
        raise ValueError(f"path {path!r} is absolute: name files relative to the work directory, e.g. scores.py")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        raise ValueError(f"path {path!r} leaves the work directory")
    return parts


def open_file(path, flags):
    """A descriptor of the regular file at path under /work, walked one component at a time without following
    links (a symlink anywhere on the way is refused)."""
    parts = parts_of(path)
    dir_fd = os.open(ROOT, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for part in parts[:-1]:
            try:
                next_fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            except OSError:
                raise ValueError(f"no such folder on the way to {path}") from None
            os.close(dir_fd)
            dir_fd = next_fd
        try:
            fd = os.open(parts[-1], flags | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
        except OSError:
            if os.path.islink(os.path.join(ROOT, *parts)):
                raise ValueError(f"{path} is a symbolic link: links are not followed") from None
            raise ValueError(f"no such file: {path} (list_files shows the files)") from None
    finally:
        os.close(dir_fd)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise ValueError(f"{path} is not a regular file")
    return fd


def read_text(path):
    fd = open_file(path, os.O_RDONLY)
    with os.fdopen(fd, "rb") as handle:
        data = handle.read(MAX_FILE + 1)
    if len(data) > MAX_FILE:
        raise ValueError(f"{path} is larger than {MAX_FILE} bytes")
    return data.decode("utf-8", "replace")


def numbered(lines, first):
    return "\n".join(f"{n:4} | {line}" for n, line in enumerate(lines, first))


def list_files(_args):
    names = []
    for base, dirs, files in os.walk(ROOT):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            full = os.path.join(base, name)
            try:
                info = os.lstat(full)
            except OSError:
                continue
            kind = "" if stat.S_ISREG(info.st_mode) else " (not a regular file)"
            names.append(f"{os.path.relpath(full, ROOT)} ({info.st_size} bytes){kind}")
        if len(names) > MAX_LISTED:
            break
    if not names:
        return "(no files)"
    more = f"\n... and more (over {MAX_LISTED} files)" if len(names) > MAX_LISTED else ""
    return "\n".join(names[:MAX_LISTED]) + more


def read_file(args):
    text = read_text(args.get("path"))
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    start = args.get("start", 1)
    if not isinstance(start, int) or isinstance(start, bool) or start < 1:
        raise ValueError("start must be a line number (1 or more)")
    if not lines:
        return "(empty file)"
    if start > len(lines):
        raise ValueError(f"{args['path']} has only {len(lines)} lines")
    shown = []
    size = 0
    for n in range(start, len(lines) + 1):
        row = f"{n:4} | {lines[n - 1]}"
        if shown and size + len(row) > MAX_SHOWN:
            return "\n".join(shown) + f"\n... (lines {start}-{n - 1} of {len(lines)}; read_file with start={n} shows more)"
        shown.append(row)
        size += len(row) + 1
    return "\n".join(shown)


def edit(args):
    path, old, new = args.get("path"), args.get("old"), args.get("new")
    if not isinstance(old, str) or not old:
        raise ValueError("old must be the exact text to replace (copy it from read_file, without the line numbers)")
    if not isinstance(new, str):
        raise ValueError("new must be a string (the text that replaces old)")
    text = read_text(path)
    count = text.count(old)
    if count == 0 and old.strip() and old.strip() != old and text.count(old.strip()) == 1:
        # Stray spaces or line breaks around the text: the text itself, once, is still what was meant.
        old, new, count = old.strip(), new.strip(), 1
    if count == 0:
        raise ValueError(f"old text not found in {path}; it must match the file exactly (spaces included)")
    if count > 1:
        raise ValueError(f"old text occurs {count} times in {path}; include more of the surrounding code so it occurs once")
    if old == new:
        raise ValueError("old and new are the same: nothing would change")
    at = text.index(old)
    updated = text[:at] + new + text[at + len(old):]
    if len(updated.encode("utf-8")) > MAX_FILE:
        raise ValueError(f"the edited file would be larger than {MAX_FILE} bytes")
    fd = open_file(path, os.O_WRONLY)
    with os.fdopen(fd, "wb") as handle:
        handle.truncate(0)
        handle.write(updated.encode("utf-8"))
    first = text.count("\n", 0, at) + 1
    lines = updated.split("\n")
    last = first + new.count("\n")
    lo, hi = max(1, first - 2), min(len(lines), last + 2)
    report = f"edited {path}: lines {lo}-{hi} now read:\n{numbered(lines[lo - 1:hi], lo)}"
    if path.strip().endswith(".py"):
        try:
            compile(updated, path, "exec")
        except SyntaxError as error:
            report += f"\nwarning: {path} no longer parses: {error.msg} (line {error.lineno})"
            return report
    # Small models that made the right edit tend to go on editing until the step limit; the next move is the
    # agent's to choose, but it should know the ones that end the task.
    return report + "\nIf this completes the fix, call submit (run_tests checks it first)."


def run_tests(_args):
    """Runs visible_runner.py (every test_*.py file in /work) as the agent, bounded in time and output."""
    child = subprocess.Popen(
        ["python3", "-I", "-B", RUNNER], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
        env={"PATH": "/usr/bin:/bin", "HOME": ROOT, "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8"},
    )
    kept = bytearray()
    selector = selectors.DefaultSelector()
    selector.register(child.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + TEST_SECONDS
    timed_out = exited = False
    while selector.get_map():
        now = time.monotonic()
        if not exited and child.poll() is not None:
            exited = True
            deadline = min(deadline, now + LINGER)
        if now >= deadline:
            timed_out = not exited
            break
        for key, _ in selector.select(timeout=min(deadline - now, 0.05 if exited else 0.2)):
            chunk = os.read(key.fileobj.fileno(), 65536)
            if not chunk:
                selector.unregister(key.fileobj)
                continue
            room = 4 * MAX_TEST_OUTPUT - len(kept)
            if room > 0:
                kept.extend(chunk[:room])
    selector.close()
    # Nothing the tests started outlives the call.
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except OSError:
        pass
    child.wait()
    out = kept.decode("utf-8", "replace").rstrip()
    if len(out) > MAX_TEST_OUTPUT:
        out = out[:MAX_TEST_OUTPUT] + "\n... (output cut)"
    if timed_out:
        out += f"\nstopped: the tests ran longer than {TEST_SECONDS:.0f} seconds (an endless loop?)"
    return out or "(the tests printed nothing)"


TOOLS = {"list_files": list_files, "read_file": read_file, "edit": edit, "run_tests": run_tests}


def main(argv):
    if len(argv) != 2 or argv[1] not in TOOLS:
        print(f"usage: repair_tool.py {{{'|'.join(TOOLS)}}} < arguments.json", file=sys.stderr)
        return 2
    try:
        args = json.loads(sys.stdin.read() or "{}")
        if not isinstance(args, dict):
            raise ValueError("arguments must be a JSON object")
        result = TOOLS[argv[1]](args)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(result.rstrip("\n"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
