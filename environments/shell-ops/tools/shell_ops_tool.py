"""In-sandbox tools of the `shell-ops` environment, run as the agent.

Called as: python3 -I shell_ops_tool.py <tool>, the call's arguments as one JSON object on stdin. Prints the
tool's result on stdout. `shell` exits with the command's status; `list_tree` and `read_file` change nothing and
exit 1 with the reason on stderr on a bad call. The sandbox guards the host; this only keeps each call's output
small enough for a model to read and keeps the looking tools inside /work.
"""
import json
import os
import select
import signal
import stat
import subprocess
import sys
import time

ROOT = "/work"
MAX_OUTPUT = 3000
MAX_LISTED = 300
SHELL_SECONDS = 8.0
GRACE_SECONDS = 0.2
# Exit status of a command that succeeded but left processes running (the sandbox uses the same one).
LEFT_RUNNING = 125
# A fixed, plain environment: byte-order sorting (LC_ALL=C), no colours, home in the work directory.
SHELL_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": ROOT, "LC_ALL": "C", "LANG": "C", "TERM": "dumb"}


def clip(text, total_bytes):
    if len(text) <= MAX_OUTPUT and total_bytes <= MAX_OUTPUT:
        return text
    return text[:MAX_OUTPUT] + f"\n[output cut: {total_bytes} bytes in all]"


def shell(args):
    command = args.get("command")
    if not isinstance(command, str) or not command.strip():
        raise ValueError("command must be a non-empty string")
    child = subprocess.Popen(["bash", "-c", command], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, env=SHELL_ENV, start_new_session=True)
    fd = child.stdout.fileno()
    kept = bytearray()
    total = 0
    timed_out = False
    deadline = time.monotonic() + SHELL_SECONDS
    exited_at = None
    # Read as it comes, keeping only the start: a command that prints without end cannot fill the memory. Once bash
    # itself has exited, whatever it left in the background (holding the pipe open) gets a moment, then is ignored.
    while True:
        now = time.monotonic()
        if now >= deadline:
            timed_out = True
            break
        if exited_at is None and child.poll() is not None:
            exited_at = now
        if exited_at is not None and now - exited_at > GRACE_SECONDS:
            break
        ready, _, _ = select.select([fd], [], [], min(deadline - now, 0.05))
        if not ready:
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        total += len(chunk)
        if len(kept) < 4 * MAX_OUTPUT:
            kept += chunk[: 4 * MAX_OUTPUT - len(kept)]
    status = child.poll()
    if status is None and not timed_out:
        try:
            status = child.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
    if status is None:
        timed_out = True
        status = 124
    # What the command left in the background (its process group) is stopped now; a call that succeeded but
    # left any running fails, so the agent (and the record) sees that nothing outlives its call.
    left = False
    try:
        os.killpg(child.pid, 0)
        left = True
    except OSError:
        pass
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except OSError:
        pass
    child.wait()
    child.stdout.close()
    text = kept.decode("utf-8", "replace")
    out = clip(text, total) if text else "(no output)"
    if timed_out:
        out += f"\n[timed out after {SHELL_SECONDS:.0f} s: the command was stopped]"
        status = 124
    elif status < 0:
        status = 128 - status
    if left and not timed_out:
        out += "\n[the command left processes running in the background; they were stopped (nothing outlives its call)]"
        if status == 0:
            status = LEFT_RUNNING
    # The exit status is the tool's own (tasksynth shows a failure as "error (exit N): output").
    return out, status


def list_tree(_args):
    lines = []
    more = False
    queue = [""]
    while queue and not more:
        rel_dir = queue.pop(0)
        try:
            with os.scandir(os.path.join(ROOT, rel_dir)) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            if len(lines) >= MAX_LISTED:
                more = True
                break
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:
                lines.append(f"{rel} (unreadable)")
                continue
            if stat.S_ISDIR(info.st_mode):
                lines.append(f"{rel}/")
                queue.append(rel)
            elif stat.S_ISLNK(info.st_mode):
                try:
                    lines.append(f"{rel} -> {os.readlink(entry.path)}")
                except OSError:
                    lines.append(f"{rel} -> ?")
            elif stat.S_ISREG(info.st_mode):
                lines.append(f"{rel} ({info.st_size} bytes)")
            else:
                lines.append(f"{rel} (special file)")
    if not lines:
        return "(the work directory is empty)"
    lines.sort()
    return "\n".join(lines) + (f"\n... and more (over {MAX_LISTED} entries)" if more else "")


def read_file(args):
    path = args.get("path")
    if not isinstance(path, str) or not path.strip():
        raise ValueError("path must be a non-empty string")
    full = os.path.realpath(os.path.join(ROOT, path.strip()))
    if full != ROOT and not full.startswith(ROOT + os.sep):
        raise ValueError(f"path {path!r} is outside the work directory")
    try:
        info = os.stat(full)
    except OSError:
        raise ValueError(f"no such file: {path}") from None
    if stat.S_ISDIR(info.st_mode):
        raise ValueError(f"{path} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise ValueError(f"{path} is not a regular file")
    with open(full, "rb") as handle:
        data = handle.read(MAX_OUTPUT + 1)
    if not data:
        return "(empty file)"
    text = data[:MAX_OUTPUT].decode("utf-8", "replace")
    return text + (f"\n[cut: the file has {info.st_size} bytes]" if info.st_size > MAX_OUTPUT else "")


def main(argv):
    tools = {"shell": shell, "list_tree": list_tree, "read_file": read_file}
    if len(argv) != 2 or argv[1] not in tools:
        print(f"usage: shell_ops_tool.py {{{'|'.join(tools)}}} < arguments.json", file=sys.stderr)
        return 2
    try:
        args = json.loads(sys.stdin.read())
        if not isinstance(args, dict):
            raise ValueError("arguments must be a JSON object")
        result = tools[argv[1]](args)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    if isinstance(result, tuple):
        text, status = result
        print(text.rstrip("\n"))
        return status if 0 <= status < 256 else 1
    print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
