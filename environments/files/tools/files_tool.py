"""In-sandbox tools of the `files` environment, run as the agent.

Called as: python3 -I files_tool.py <tool>, the call's arguments as one JSON object on stdin. Prints the tool's
result on stdout; a bad call exits 1 with the reason on stderr. The sandbox guards the host; this only keeps the task's meaning (stay in /work).
"""
import json
import os
import sys

ROOT = "/work"
MAX_READ = 4096
MAX_LISTED = 500


def resolve(path):
    if not isinstance(path, str) or not path.strip():
        raise ValueError("path must be a non-empty string")
    full = os.path.realpath(os.path.join(ROOT, path.strip()))
    if full != ROOT and not full.startswith(ROOT + os.sep):
        raise ValueError(f"path {path!r} is outside the work directory")
    return full


def list_files(_args):
    names = []
    for base, _dirs, files in os.walk(ROOT):
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
    if not os.path.isfile(full):
        raise ValueError(f"no such file: {args.get('path')}")
    with open(full, encoding="utf-8", errors="replace") as handle:
        return handle.read(MAX_READ)


def write_file(args):
    full = resolve(args.get("path"))
    content = args.get("content")
    if not isinstance(content, str):
        raise ValueError("content must be a string")
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w", encoding="utf-8") as handle:
        handle.write(content)
    return f"wrote {len(content)} characters to {os.path.relpath(full, ROOT)}"


TOOLS = {"list_files": list_files, "read_file": read_file, "write_file": write_file}


def main(argv):
    if len(argv) != 2 or argv[1] not in TOOLS:
        print(f"usage: files_tool.py {{{'|'.join(TOOLS)}}} < arguments.json", file=sys.stderr)
        return 2
    try:
        args = json.loads(sys.stdin.read())
        if not isinstance(args, dict):
            raise ValueError("arguments must be a JSON object")
        print(TOOLS[argv[1]](args))
        return 0
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
