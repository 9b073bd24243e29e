"""Helpers for probes: read what the agent left in a directory as plain facts, without trusting any of it.

Nothing here follows a symlink, opens anything but a regular file, blocks on a FIFO, or gives up on an entry it
cannot read: such entries are reported as what they are (a symlink and its target, a file that is not readable),
so whatever the agent leaves behind can only fail its own episode, never the probe. Every list and text is capped
so the report stays small whatever the agent created.
"""
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time

MAX_ENTRIES = 128
MAX_SCANNED = 20000
MAX_TEXT = 1024
# The report's size in bytes as emit() prints it, for the entries beyond the judged ones: long names and
# non-ASCII text (six bytes a character once escaped) cannot push it past what tasksynth accepts (256 KiB).
MAX_REPORT_BYTES = 160 * 1024
MAX_NAME = 512


def _kind(mode):
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "dir"
    if stat.S_ISLNK(mode):
        return "symlink"
    return "other"


def _fact_at(dir_fd, name, max_text):
    """The fact of entry `name` in the directory open as dir_fd, never following a link."""
    try:
        info = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except OSError:
        return {"type": "missing"}
    kind = _kind(info.st_mode)
    fact = {"type": kind}
    if kind == "symlink":
        try:
            fact["target"] = os.readlink(name, dir_fd=dir_fd)[:256]
        except OSError:
            fact["target"] = None
    elif kind == "file":
        fact["size"] = info.st_size
        text = None
        try:
            fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
        except OSError:
            fd = None
        if fd is not None:
            try:
                if stat.S_ISREG(os.fstat(fd).st_mode):
                    text = os.read(fd, max_text + 1).decode("utf-8", "replace")
            except OSError:
                text = None
            finally:
                os.close(fd)
        fact["readable"] = text is not None
        if text is not None:
            fact["truncated"] = len(text.encode("utf-8", "replace")) > max_text or info.st_size > max_text
            fact["text"] = text[:max_text]
    return fact


def entry_fact(path, max_text=MAX_TEXT, root=None):
    """One entry as a fact: its type, and for a regular file its size and text (or readable: false).

    With `root`, `path` is relative to it and resolved one component at a time without following any link, so
    a symlinked folder on the way (to the verifier's files, say) is reported as what blocks the path, never read
    through. Without it, only the last component is guarded.
    """
    if root is None:
        parent, name = os.path.split(path)
        try:
            dir_fd = os.open(parent or ".", os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return {"type": "missing"}
        try:
            return _fact_at(dir_fd, name, max_text)
        finally:
            os.close(dir_fd)
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if not parts or ".." in parts:
        return {"type": "missing"}
    try:
        dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return {"type": "missing"}
    try:
        for i, part in enumerate(parts[:-1]):
            try:
                next_fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
            except OSError:
                blocker = _fact_at(dir_fd, part, 0)
                return {"type": "missing", "blockedBy": "/".join(parts[: i + 1]), "blockerType": blocker["type"]}
            os.close(dir_fd)
            dir_fd = next_fd
        return _fact_at(dir_fd, parts[-1], max_text)
    finally:
        os.close(dir_fd)


def read_text(path, max_text=MAX_TEXT):
    """The start of a regular file as text, or None when it is not a readable regular file (never follows links)."""
    fact = entry_fact(path, max_text)
    return fact.get("text") if fact.get("readable") else None


def digest_fact(root, path, max_bytes=64 * 1024 * 1024):
    """Like entry_fact(path, root=root) (no link followed on the way), but for a regular file its size and the
    sha256 of its bytes instead of its text: {"type": "file", "size": n, "sha256": hex}, or "readable": false,
    or "sha256": null when it is larger than max_bytes. For state the task needs unchanged (a database, data)."""
    fact = entry_fact(path, 0, root=root)
    if fact.get("type") != "file":
        return fact
    parts = [p for p in path.split("/") if p not in ("", ".")]
    fact.pop("text", None)
    fact.pop("truncated", None)
    if fact["size"] > max_bytes:
        fact["sha256"] = None
        return fact
    try:
        dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
        try:
            for part in parts[:-1]:
                next_fd = os.open(part, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=dir_fd)
                os.close(dir_fd)
                dir_fd = next_fd
            fd = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
        finally:
            os.close(dir_fd)
        digest = hashlib.sha256()
        with os.fdopen(fd, "rb") as handle:
            for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(chunk)
        fact["readable"] = True
        fact["sha256"] = digest.hexdigest()
    except OSError:
        fact["readable"] = False
        fact["sha256"] = None
    return fact


def safe_name(name):
    """A path as JSON-safe text: undecodable bytes become U+FFFD instead of lone surrogates; a very long path is
    cut, keeping its end, and marked so it cannot pass for another entry."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text if len(text) <= MAX_NAME else "\u2026(cut)" + text[-MAX_NAME:]


def _report_size(key, fact):
    return len(json.dumps({key: fact}, sort_keys=True, ensure_ascii=True))


def read_tree(root, max_entries=MAX_ENTRIES, max_scanned=MAX_SCANNED, max_text=MAX_TEXT, always=(), max_bytes=MAX_REPORT_BYTES):
    """Facts about the tree under root: {"tree": {relpath: fact}, "entries": n, "complete": bool}.

    Walks breadth-first in sorted order without following links, lists at most max_entries entries within
    max_bytes and counts at most max_scanned; paths in `always` are reported whatever the caps, so a flood of
    names cannot push the files a task is judged on out of the report.
    """
    tree = {}
    used = 0
    for rel in always:
        tree[rel] = entry_fact(rel, max_text, root=root)
    count = 0
    complete = True
    queue = [""]
    while queue:
        rel_dir = queue.pop(0)
        try:
            with os.scandir(os.path.join(root, rel_dir)) as it:
                names = []
                for entry in it:
                    names.append(entry.name)
                    if len(names) + count > max_scanned:
                        break
        except OSError:
            continue
        for name in sorted(names):
            count += 1
            if count > max_scanned:
                complete = False
                queue = []
                break
            rel = os.path.join(rel_dir, name) if rel_dir else name
            fact = entry_fact(rel, max_text, root=root)
            key = safe_name(rel)
            if fact["type"] == "dir":
                queue.append(rel)
            if key in tree:
                continue
            size = _report_size(key, fact)
            if len(tree) < max_entries and used + size <= max_bytes:
                tree[key] = fact
                used += size
            else:
                complete = False
    return {"tree": tree, "entries": count, "complete": complete}


def whole_text_file(pattern):
    """JSON Schema of a judged file: a regular file the probe could read whole (not cut at its text cap, which
    could hide anything after a match) whose text matches `pattern`."""
    return {
        "type": "object",
        "required": ["type", "readable", "truncated", "text"],
        "properties": {
            "type": {"const": "file"},
            "readable": {"const": True},
            "truncated": {"const": False},
            "text": {"type": "string", "pattern": pattern},
        },
    }


def read_request():
    """The JSON object tasksynth sends a verifier program on stdin."""
    request = json.loads(sys.stdin.read() or "{}")
    if not isinstance(request, dict):
        raise SystemExit("request on stdin must be a JSON object")
    return request


def emit(value):
    """Prints one JSON document; non-ASCII is escaped so the output is plain ASCII whatever the agent wrote."""
    sys.stdout.write(json.dumps(value, sort_keys=True, ensure_ascii=True))
    sys.stdout.write("\n")


def run_generator(make_task):
    """A generator's whole program for packages whose make_task(seed, tier, index) returns a task dict: prints the
    tasks asked for, each without its "files" (the initial state, which setup writes instead)."""
    request = read_request()
    tasks = []
    for index in request["indexes"]:
        task = dict(make_task(request["seed"], request["tier"], index))
        task.pop("files", None)
        tasks.append({"index": index, **task})
    emit({"tasks": tasks})


def run_setup(make_task):
    """A setup's whole program for the same packages: writes the task's "files" (relative path -> text) under
    the folder the request names."""
    request = read_request()
    task = make_task(request["seed"], request["tier"], request["index"])
    for name, text in task.get("files", {}).items():
        path = os.path.join(request["out"], name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)


AGENT_UID = 1000
RUNTIME_DIR = os.path.dirname(os.path.abspath(__file__))


def _become_agent():
    """In a child of the runner: the agent's uid and gid for good, no supplementary groups."""
    os.seteuid(0)
    os.setgroups([])
    os.setresgid(AGENT_UID, AGENT_UID, AGENT_UID)
    os.setresuid(AGENT_UID, AGENT_UID, AGENT_UID)


def kill_agent_processes():
    """Kills every process of the agent's uid, setsid or not: a forked child becomes the agent for good and sends
    kill(-1), which reaches exactly that uid's processes but itself (root here keeps no CAP_KILL, and a root sender
    would reach everything). The runner never changes its own uids, so no agent process can signal it meanwhile."""
    killer = os.fork()
    if killer == 0:
        try:
            _become_agent()
            os.kill(-1, signal.SIGKILL)
        except OSError:
            pass
        finally:
            os._exit(0)
    os.waitpid(killer, 0)


def run_as_agent(argv, input_bytes=b"", timeout=10.0, max_output=1024 * 1024, cwd="/work"):
    """Runs argv as the agent (uid 1000) and returns (exit status, stdout bytes, stderr bytes), each capped.

    Only in a probe of a package with `probeIn: test-runner`, which starts as root keeping just the right to switch
    uids: the child drops to the agent's uid for good before it runs anything, so the agent's code it loads can
    read none of the verifier's files and reach nothing of this process; it returns data only (its output). The
    child and all it starts are killed at the timeout (status -9).
    """
    if os.getuid() != 0:
        raise RuntimeError("run_as_agent needs a test-runner sandbox (probeIn: test-runner in environment.yaml)")

    child = subprocess.Popen(
        argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
        preexec_fn=_become_agent, start_new_session=True, env={"PATH": "/usr/bin:/bin", "HOME": cwd},
    )
    try:
        out, err = child.communicate(input_bytes, timeout=timeout)
        status = child.returncode
    except subprocess.TimeoutExpired:
        status = -signal.SIGKILL
        out, err = b"", b"timed out"
    finally:
        kill_agent_processes()
        child.wait()
    return status, out[:max_output], err[:max_output]


def call_agent_function(module_path, function, cases, timeout=5.0):
    """Calls `function` of the agent's Python file `module_path` on each case's arguments, in a child run as the
    agent; returns one result per case: {"ok": True, "value": ...} or {"ok": False, "error": "..."}, or None for
    every case when the child printed nothing usable (it crashed, hung, or printed something else)."""
    argv = ["python3", "-I", "-B", os.path.join(RUNTIME_DIR, "agent_call.py"), module_path, function]
    status, out, _err = run_as_agent(argv, json.dumps(cases).encode(), timeout=timeout)
    lines = out.decode("utf-8", "replace").strip().splitlines()
    try:
        results = json.loads(lines[-1]) if lines else None
    except ValueError:
        results = None
    if not isinstance(results, list) or len(results) != len(cases):
        return [None] * len(cases)
    return results
