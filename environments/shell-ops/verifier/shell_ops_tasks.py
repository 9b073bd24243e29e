"""The tasks of the `shell-ops` environment, deterministic from (seed, tier, index). Private to the verifier: the
generator, setup and probe import it; the agent cannot read it.

Every task is a generated file tree (setup writes it into /work) and one or more chores over it. Each chore
("op") builds its part of the tree, records the final state it requires (paths that must hold an exact file
text, be a folder, or be gone), the folders that must hold nothing else, the shell commands of the reference,
and mutants: near misses (a wrong pattern, a copy for a move, a forgotten condition, a sort without dedup).

The verifier judges every path of the initial tree (distractors must stay exactly as they were) and every path
the chores create, so a task states its whole required outcome. A task is a dict: prompt, tools, submit,
reference, outcomeSchema, mutants; plus, private to setup and probe: `files` and `dirs` (the initial tree) and
`judged` (path -> how many bytes of text the probe reads: a little more than the required text, so a longer file
shows as truncated and fails).
"""
import fnmatch
import random
import re

from tasksynth_state import whole_text_file

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
NO_ARGS = {"type": "object", "properties": {}, "additionalProperties": False}
MAX_TIER = 4

TEXT_EXTS = ["txt", "md", "csv", "log", "cfg", "json", "ini", "dat", "xml", "yaml"]
JUNK_EXTS = ["tmp", "bak", "old", "swp", "part", "cache"]
NO_EXT_NAMES = ["README", "Makefile", "LICENSE", "CHANGES", "TODO", "NOTICE", "AUTHORS", "VERSION", "INSTALL"]
FIELDS = {
    "status": ["open", "closed", "pending", "blocked", "done", "review"],
    "priority": ["low", "medium", "high", "urgent", "minor"],
    "team": ["alpha", "beta", "gamma", "delta", "omega", "sigma"],
    "region": ["north", "south", "east", "west", "central"],
    "category": ["billing", "shipping", "support", "sales", "legal", "hiring"],
    "stage": ["intake", "triage", "build", "verify", "release"],
}
PEOPLE = [
    "maria", "james", "aisha", "chen", "olga", "pedro", "fatima", "lucas", "yuki", "omar", "ingrid", "kofi",
    "sofia", "ravi", "elena", "tomas", "amara", "noah", "leila", "mateo", "hana", "ivan", "zara", "diego",
    "nina", "samir", "greta", "felix", "rosa", "arjun", "clara", "jonas", "mei", "pablo", "anya", "tariq",
]
PREFIXES = ["draft", "final", "temp", "test", "review", "spare", "print", "local", "shared", "backup"]
NAME_PREFIXES = ["2023_", "2024_", "old_", "done_", "v1_", "v2_", "arch_", "keep_", "new_"]
FOLDERS = [
    "reports", "logs", "archive", "data", "notes", "docs", "inbox", "outbox", "drafts", "misc", "scratch",
    "exports", "imports", "records", "tickets", "lists", "media", "staging", "projects", "assets", "configs",
    "sources", "results", "samples", "batches", "letters", "journal", "orders", "invoices", "survey", "photos",
    "research", "meetings", "tasks", "builds", "queue", "vault", "spool", "history", "library",
]
SUBFOLDERS = ["old", "sub", "nested", "part1", "part2", "extra", "more", "inner", "deep", "stash", "saved", "later"]
RESULT_NAMES = ["all_words", "merged", "combined", "sorted_lines", "summary", "collected", "result", "joined",
                "digest", "overview", "report", "values", "counts", "tally", "index"]
_RESERVED = set(TEXT_EXTS) | set(JUNK_EXTS) | {v for vs in FIELDS.values() for v in vs} | set(PREFIXES) | set(PEOPLE) | {
    "error", "errors", "warn", "warning", "info", "debug", "previous", "co"} | set(SUBFOLDERS) | set(FOLDERS)
WORDS = [w for w in """
apple river candle garden pepper silver tiger window planet coffee marble rocket violet pencil harbor meadow
lantern orange falcon cookie anchor badger basket beacon bishop bottle bridge bucket butter cactus camera canyon
carpet castle cherry circle cobalt copper cotton crayon dagger desert dragon eagle engine fabric feather fiddle
forest fossil galaxy ginger glacier goblet gravel hammer helmet island jacket jungle kettle ladder lemon lizard
magnet mammoth mirror monkey needle nickel oyster paddle parrot pebble pillow pirate pocket puzzle quartz rabbit
saddle salmon shadow shovel spider sponge statue summit tablet thunder timber tomato tunnel turtle velvet walnut
wizard yogurt zipper zebra acorn almond amber arrow autumn bamboo banjo barrel beetle blossom boulder bramble
breeze bronze buffalo cabin canvas cargo cedar chalk chimney cider clover comet coral cradle crystal cypress
daisy dolphin domino ember fern flint garnet geyser gopher granite harp hazel heron hickory igloo ivory jasper
juniper kayak kiwi koala lagoon larch lilac linen lotus maple marsh mesa mint mosaic nectar nutmeg oasis olive
onyx orchid otter panda papaya pecan pelican pine plum poppy prairie quill quince raven reef ripple saffron sage
sequoia sierra slate sparrow spruce squid storm sundial swan tango thistle topaz tulip tundra umber valley
vapor walrus willow yarrow yucca zinnia
""".split() if w not in _RESERVED]


# ---------------------------------------------------------------------------------------------------------------
# The world: the initial tree and the final state the chores require.

def join(*parts):
    return "/".join(p for p in parts if p)


def parent(path):
    return path.rsplit("/", 1)[0] if "/" in path else ""


class World:
    def __init__(self, rng):
        self.rng = rng
        self.files = {}  # initial files: path -> text
        self.dirs = set()  # initial folders
        self.changes = {}  # path -> ("file", text) | ("dir",) | ("missing",)
        self.exclusive = set()  # folders that must hold exactly the judged paths under them
        self.used = set()  # names given out (stems, folders), never reused within a task

    # -- the initial tree
    def add_dir(self, path):
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            assert sub not in self.files, sub
            self.dirs.add(sub)

    def add_file(self, path, text):
        assert not self.taken(path), path
        if parent(path):
            self.add_dir(parent(path))
        self.files[path] = text
        return path

    # -- the required final state
    def want_file(self, path, text):
        self.changes[path] = ("file", text)

    def want_dir(self, path):
        self.changes[path] = ("dir",)

    def want_missing(self, path):
        self.changes[path] = ("missing",)

    def taken(self, path):
        return path in self.files or path in self.dirs or path in self.changes

    def files_in(self, folder):
        """Names of the initial files directly inside folder, sorted as a C-locale glob lists them."""
        prefix = folder + "/" if folder else ""
        return sorted(p[len(prefix):] for p in self.files if p.startswith(prefix) and "/" not in p[len(prefix):])

    # -- fresh names
    def stem(self):
        rng = self.rng
        for _ in range(10000):
            form = rng.random()
            if form < 0.5:
                name = rng.choice(WORDS)
            elif form < 0.8:
                name = f"{rng.choice(WORDS)}_{rng.choice(WORDS)}"
            else:
                name = f"{rng.choice(WORDS)}{rng.randint(1, 99)}"
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("no fresh stem")

    def folder(self, inside="", pool=FOLDERS):
        rng = self.rng
        for attempt in range(10000):
            name = rng.choice(pool) if attempt < 50 else f"{rng.choice(pool)}_{rng.randint(2, 99)}"
            if name not in self.used and not self.taken(join(inside, name)):
                self.used.add(name)
                return name
        raise RuntimeError("no fresh folder")

    def fresh_name(self, folder, make):
        for _ in range(10000):
            name = make()
            if name not in self.used and not self.taken(join(folder, name)):
                self.used.add(name)
                return name
        raise RuntimeError("no fresh name")

    def final(self):
        state = {p: ("dir",) for p in self.dirs}
        state.update({p: ("file", t) for p, t in self.files.items()})
        state.update(self.changes)
        for path, want in state.items():
            up = parent(path)
            if want[0] != "missing" and up:
                assert state.get(up) == ("dir",), f"{path} needs its folder {up}"
            if want[0] == "missing":
                for other, w in state.items():
                    if other.startswith(path + "/"):
                        assert w[0] == "missing", f"{other} under the removed {path}"
        return state


# ---------------------------------------------------------------------------------------------------------------
# Contents.

def sentence(rng, lo=3, hi=7):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(lo, hi)))


def prose(rng, lo=1, hi=3):
    return "".join(sentence(rng) + "\n" for _ in range(rng.randint(lo, hi)))


def log_line(rng, level, message=None):
    stamp = f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    return f"{stamp} {level} {message or sentence(rng, 2, 5)}\n"


def log_text(rng, levels):
    return "".join(log_line(rng, level) for level in levels)


def content_for(rng, ext):
    if ext == "log":
        return log_text(rng, [rng.choice(["INFO", "INFO", "WARN", "DEBUG"]) for _ in range(rng.randint(2, 5))])
    if ext == "csv":
        rows = [f"{rng.choice(PEOPLE)},{rng.randint(1, 500)},{rng.choice(WORDS)}" for _ in range(rng.randint(2, 4))]
        return "name,amount,item\n" + "".join(r + "\n" for r in rows)
    if ext == "json":
        return f'{{"name": "{rng.choice(WORDS)}", "count": {rng.randint(0, 99)}}}\n'
    if ext in ("ini", "cfg", "yaml"):
        sep = ": " if ext == "yaml" else " = "
        return "".join(f"{rng.choice(WORDS)}{sep}{rng.choice(WORDS)}\n" for _ in range(rng.randint(1, 3)))
    if ext == "xml":
        return f"<item>{rng.choice(WORDS)}</item>\n"
    return prose(rng)


def add_files(world, folder, n, exts=None):
    """n files with fresh stems directly inside folder."""
    paths = []
    for _ in range(n):
        ext = world.rng.choice(exts or TEXT_EXTS)
        paths.append(world.add_file(join(folder, f"{world.stem()}.{ext}"), content_for(world.rng, ext)))
    return paths


def background(world, n_files, n_dirs):
    """Distractors at the top level and in folders of their own: they must stay exactly as they are."""
    for _ in range(n_dirs):
        folder = world.folder()
        add_files(world, folder, world.rng.randint(1, 2))
        if world.rng.random() < 0.3:
            add_files(world, join(folder, world.folder(folder, SUBFOLDERS)), 1)
    add_files(world, "", n_files)


# ---------------------------------------------------------------------------------------------------------------
# Calls.

def call(name, **arguments):
    return {"name": name, "arguments": arguments}


def shell(command):
    return call("shell", command=command)


def list_tree():
    return call("list_tree")


def read(path):
    return call("read_file", path=path)


SUBMIT = call("submit")


def op(say, commands, mutants, looks=()):
    """One chore: what the prompt says, the reference's commands, near misses (name, commands) and looks."""
    assert len(mutants) >= 2
    return {"say": say, "commands": list(commands), "mutants": [(n, list(c)) for n, c in mutants], "looks": list(looks)}


def under(world, folder):
    """Initial files and folders below folder."""
    files = sorted(p for p in world.files if p.startswith(folder + "/"))
    dirs = sorted(d for d in world.dirs if d.startswith(folder + "/"))
    return files, dirs


def remove_tree(world, folder):
    files, dirs = under(world, folder)
    for path in [folder] + files + dirs:
        world.want_missing(path)


def copy_tree(world, folder, copy):
    """Requires copy/ to hold exactly what folder/ holds (folder/ itself unchanged)."""
    files, dirs = under(world, folder)
    world.want_dir(copy)
    for d in dirs:
        world.want_dir(copy + d[len(folder):])
    for path in files:
        world.want_file(copy + path[len(folder):], world.files[path])
    world.exclusive.add(copy)


# ---------------------------------------------------------------------------------------------------------------
# Tier 0: one spelled-out command.

def spelled_out(world):
    rng = world.rng
    background(world, rng.randint(2, 4), rng.randint(0, 1))
    roots = world.files_in("")
    kind = rng.choice(["mkdir", "mkdir_p", "touch", "cp", "mv", "rm", "echo", "mv_into", "cp_into", "rm_r", "cp_r"])
    if kind in ("mv_into", "cp_into", "rm_r", "cp_r"):
        folders = sorted(d for d in world.dirs if "/" not in d)
        if not folders:
            folder = world.folder()
            add_files(world, folder, 1)
            folders = [folder]
        target = rng.choice(folders)
    source, other = rng.sample(roots, 2)
    text = world.files[source]
    ext = source.rsplit(".", 1)[1]
    new_file = lambda: f"{world.stem()}.{rng.choice(TEXT_EXTS)}"  # noqa: E731
    if kind == "mkdir":
        name, wrong = world.folder(), world.folder()
        world.want_dir(name)
        return f"mkdir {name}", [("wrong name", [f"mkdir {wrong}"]), ("a file instead of a folder", [f"touch {name}"])]
    if kind == "mkdir_p":
        outer, inner, wrong = world.folder(), world.folder(pool=SUBFOLDERS), world.folder(pool=SUBFOLDERS)
        world.want_dir(outer)
        world.want_dir(join(outer, inner))
        return f"mkdir -p {outer}/{inner}", [("outer folder only", [f"mkdir {outer}"]), ("wrong inner folder", [f"mkdir -p {outer}/{wrong}"])]
    if kind == "rm_r":
        remove_tree(world, target)
        return f"rm -r {target}", [("files only, folder kept", [f"rm -f {target}/*"]), ("wrong entry removed", [f"rm -r {other}"])]
    if kind == "cp_r":
        copy = world.folder()
        copy_tree(world, target, copy)
        return f"cp -r {target} {copy}", [("moved instead of copied", [f"mv {target} {copy}"]), ("an empty folder", [f"mkdir {copy}"])]
    if kind == "touch":
        name, wrong = new_file(), new_file()
        world.want_file(name, "")
        return f"touch {name}", [("wrong name", [f"touch {wrong}"]), ("a folder instead of a file", [f"mkdir {name}"])]
    if kind == "echo":
        name, wrong_name = new_file(), new_file()
        word, wrong = rng.sample(WORDS, 2)
        world.want_file(name, f"{word}\n")
        return f"echo {word} > {name}", [("wrong word", [f"echo {wrong} > {name}"]), ("wrong file", [f"echo {word} > {wrong_name}"])]
    if kind in ("cp", "mv"):
        name = f"{world.stem()}.{ext}"
        wrong = f"{world.stem()}.{ext}"
        world.want_file(name, text)
        if kind == "mv":
            world.want_missing(source)
            return f"mv {source} {name}", [("copied instead of moved", [f"cp {source} {name}"]), ("wrong new name", [f"mv {source} {wrong}"])]
        return f"cp {source} {name}", [("moved instead of copied", [f"mv {source} {name}"]), ("wrong new name", [f"cp {source} {wrong}"])]
    if kind == "rm":
        world.want_missing(source)
        return f"rm {source}", [("wrong file removed", [f"rm {other}"]), ("emptied instead of removed", [f": > {source}"])]
    world.want_file(join(target, source), text)
    if kind == "mv_into":
        world.want_missing(source)
        return f"mv {source} {target}/", [("copied instead of moved", [f"cp {source} {target}/"]), ("wrong file", [f"mv {other} {target}/"])]
    return f"cp {source} {target}/", [("moved instead of copied", [f"mv {source} {target}/"]), ("wrong file", [f"cp {other} {target}/"])]


# ---------------------------------------------------------------------------------------------------------------
# Tier 1: one chore in plain words, at the top level.

def ext_files(world, folder, ext, lo, hi):
    return [world.add_file(join(folder, f"{world.stem()}.{ext}"), content_for(world.rng, ext)) for _ in range(world.rng.randint(lo, hi))]


def near_ext_distractors(world, folder, ext, n):
    """Files of other extensions, one of them with the extension's letters in its stem (log_summary.txt)."""
    others = [e for e in TEXT_EXTS + JUNK_EXTS if e != ext]
    paths = [world.add_file(join(folder, f"{ext}_{world.stem()}.{world.rng.choice(others)}"), prose(world.rng))]
    for _ in range(n - 1):
        other = world.rng.choice(others)
        paths.append(world.add_file(join(folder, f"{world.stem()}.{other}"), content_for(world.rng, other)))
    return paths


def move_or_copy_ext(world, copy):
    rng = world.rng
    ext = rng.choice(TEXT_EXTS + JUNK_EXTS)
    target = world.folder()
    world.add_dir(target)
    if rng.random() < 0.5:
        add_files(world, target, 1, [e for e in TEXT_EXTS if e != ext])
    matches = ext_files(world, "", ext, 2, 4)
    near = near_ext_distractors(world, "", ext, rng.randint(2, 3))
    other_ext = rng.choice(near[1:]).rsplit(".", 1)[1]
    background(world, 0, rng.randint(0, 1))
    for path in matches:
        world.want_file(join(target, path), world.files[path])
        if not copy:
            world.want_missing(path)
    world.exclusive.add(target)
    verb = "Copy" if copy else "Move"
    say = (f"{verb} every .{ext} file at the top level of the work directory into the folder {target}/ (it exists already). "
           + ("The originals stay where they are; " if copy else "") + f"{target}/ must hold nothing else new, and all other files stay where they are.")
    if copy:
        mutants = [("moved instead of copied", [f"mv *.{ext} {target}/"]), ("copied every file", [f"cp * {target}/"]),
                   ("only one file", [f"cp {matches[0]} {target}/"])]
        return op(say, [f"cp *.{ext} {target}/"], mutants, [list_tree()])
    mutants = [("copied instead of moved", [f"cp *.{ext} {target}/"]), ("wrong extension", [f"mv *.{other_ext} {target}/"]),
               ("only one file", [f"mv {matches[0]} {target}/"])]
    return op(say, [f"mv *.{ext} {target}/"], mutants, [list_tree()])


def delete_ext(world):
    rng = world.rng
    ext = rng.choice(JUNK_EXTS + ["log", "txt", "dat"])
    matches = ext_files(world, "", ext, 2, 4)
    near = near_ext_distractors(world, "", ext, rng.randint(2, 3))
    other_ext = rng.choice(near[1:]).rsplit(".", 1)[1]
    folder = world.folder()
    ext_files(world, folder, ext, 1, 1)
    add_files(world, folder, rng.randint(0, 1))
    background(world, 0, rng.randint(0, 1))
    for path in matches:
        world.want_missing(path)
    say = (f"Delete every .{ext} file at the top level of the work directory. Keep every other file, "
           f"including the .{ext} files inside folders.")
    mutants = [("wrong extension", [f"rm *.{other_ext}"]), ("inside folders too", [f"find . -name '*.{ext}' -delete"]),
               ("only one file", [f"rm {matches[0]}"])]
    return op(say, [f"rm *.{ext}"], mutants, [list_tree()])


def rename_folder(world):
    rng = world.rng
    background(world, rng.randint(1, 3), 0)
    source = world.folder()
    inner = add_files(world, source, rng.randint(2, 3))
    if rng.random() < 0.5:
        inner += add_files(world, join(source, world.folder(source, SUBFOLDERS)), 1)
    target = world.folder()
    world.want_missing(source)
    world.want_dir(target)
    for path in inner:
        rel = path[len(source) + 1:]
        world.want_missing(path)
        if parent(rel):
            world.want_dir(join(target, parent(rel)))
        world.want_file(join(target, rel), world.files[path])
    for d in world.dirs:
        if d.startswith(source + "/"):
            world.want_missing(d)
    world.exclusive.add(target)
    say = f"Rename the folder {source}/ to {target}/; everything inside it moves along."
    mutants = [("copied instead of renamed", [f"cp -r {source} {target}"]), ("an empty new folder", [f"mkdir {target}"]),
               ("moved the files but kept the old folder", [f"mkdir {target} && mv {source}/* {target}/"])]
    return op(say, [f"mv {source} {target}"], mutants, [list_tree()])


def make_folder_and_move(world):
    rng = world.rng
    background(world, rng.randint(3, 5), rng.randint(0, 1))
    source, other = rng.sample(world.files_in(""), 2)
    target = world.folder()
    world.want_dir(target)
    world.want_missing(source)
    world.want_file(join(target, source), world.files[source])
    world.exclusive.add(target)
    say = f"Create a new folder {target}/ and move the file {source} into it."
    mutants = [("copied instead of moved", [f"mkdir {target} && cp {source} {target}/"]),
               ("wrong file", [f"mkdir {target} && mv {other} {target}/"]), ("folder only", [f"mkdir {target}"])]
    return op(say, [f"mkdir {target} && mv {source} {target}/"], mutants, [list_tree()])


def folder_with_sub(world):
    folder = world.folder()
    add_files(world, folder, world.rng.randint(1, 3))
    add_files(world, join(folder, world.folder(folder, SUBFOLDERS)), world.rng.randint(1, 2))
    return folder


def delete_folder(world):
    rng = world.rng
    background(world, rng.randint(1, 3), rng.randint(0, 1))
    doomed, other = folder_with_sub(world), folder_with_sub(world)
    remove_tree(world, doomed)
    say = f"Delete the folder {doomed}/ together with everything inside it. Everything else stays, {other}/ included."
    mutants = [("files deleted, folders kept", [f"find {doomed} -type f -delete"]), ("wrong folder", [f"rm -r {other}"]),
               ("top files only", [f"rm -f {doomed}/*"])]
    return op(say, [f"rm -r {doomed}"], mutants, [list_tree()])


def copy_folder(world):
    rng = world.rng
    background(world, rng.randint(1, 3), rng.randint(0, 1))
    source = folder_with_sub(world)
    copy = world.folder()
    copy_tree(world, source, copy)
    say = (f"Make a copy of the folder {source}/ named {copy}/, with everything inside it (sub-folders too). "
           f"{source}/ stays as it is.")
    mutants = [("moved instead of copied", [f"mv {source} {copy}"]), ("sub-folders left out", [f"mkdir {copy} && cp {source}/* {copy}/"]),
               ("an empty folder", [f"mkdir {copy}"])]
    return op(say, [f"cp -r {source} {copy}"], mutants, [list_tree()])


SORT_ONE = {
    "plain": ("sort", "sorted alphabetically, repeated lines kept"),
    "unique": ("sort -u", "sorted alphabetically, each distinct line only once"),
    "reverse": ("sort -r", "sorted in reverse alphabetical order (z first), repeated lines kept"),
    "numeric": ("sort -n", "sorted by numeric value from smallest to largest, repeated numbers kept"),
}


def sort_one(mode, lines):
    if mode == "plain":
        out = sorted(lines)
    elif mode == "unique":
        out = sorted(set(lines))
    elif mode == "reverse":
        out = sorted(lines, reverse=True)
    else:
        out = sorted(lines, key=int)
    return "".join(line + "\n" for line in out)


def sort_file(world):
    rng = world.rng
    mode = rng.choice(sorted(SORT_ONE))
    background(world, rng.randint(1, 3), rng.randint(0, 1))
    for _ in range(100):
        if mode == "numeric":
            pool = [str(rng.randint(2, 9)), str(rng.randint(10, 99))] + [str(n) for n in rng.sample(range(1, 1000), 6)]
        else:
            pool = rng.sample(WORDS, 6)
        lines = [rng.choice(pool) for _ in range(rng.randint(6, 10))]
        result = sort_one(mode, lines)
        near = {m: sort_one(m, lines) for m in SORT_ONE if m != mode and (m != "numeric" or mode == "numeric")}
        if all(text != result for text in near.values()) and "".join(x + "\n" for x in lines) != result:
            break
    else:
        raise RuntimeError("sort_file: no lines that tell the near misses apart")
    source = world.add_file(f"{world.stem()}.txt", "".join(line + "\n" for line in lines))
    out = result_name(world)
    world.want_file(out, result)
    say = (f"Write the lines of the file {source} into a new file {out}: {SORT_ONE[mode][1]}. {source} stays as it is.")
    others = [m for m in near if m != mode]
    mutants = [(f"{SORT_ONE[m][0]} instead", [f"{SORT_ONE[m][0]} {source} > {out}"]) for m in rng.sample(others, 2)]
    mutants.append(("not sorted", [f"cp {source} {out}"]))
    return op(say, [f"{SORT_ONE[mode][0]} {source} > {out}"], mutants, [list_tree(), read(source)])


def count_lines(world):
    rng = world.rng
    background(world, rng.randint(2, 4), rng.randint(0, 1))
    source = world.add_file(f"{world.stem()}.txt", prose(rng, 3, 9))
    out = result_name(world)
    world.want_file(out, f"{world.files[source].count(chr(10))}\n")
    say = f"Write the number of lines of the file {source} into a new file {out} (just the number)."
    mutants = [("the file name too", [f"wc -l {source} > {out}"]), ("words counted", [f"wc -w < {source} > {out}"]),
               ("characters counted", [f"wc -c < {source} > {out}"])]
    return op(say, [f"wc -l < {source} > {out}"], mutants, [list_tree()])


# ---------------------------------------------------------------------------------------------------------------
# Tier 2: pattern chores inside a folder, with near-miss names.

def copy_by_prefix(world):
    rng = world.rng
    prefix = rng.choice(PREFIXES)
    near_prefix = rng.choice([p for p in PREFIXES if p != prefix])
    src = world.folder()
    exts = rng.sample(TEXT_EXTS, 3)
    for _ in range(rng.randint(3, 4)):
        ext = rng.choice(exts)
        world.add_file(join(src, f"{prefix}_{world.stem()}.{ext}"), content_for(rng, ext))
    for name in [f"{prefix}{world.stem()}", f"{near_prefix}_{prefix}_{world.stem()}", f"{prefix}-{world.stem()}"]:
        ext = rng.choice(exts)
        world.add_file(join(src, f"{name}.{ext}"), content_for(rng, ext))
    add_files(world, src, rng.randint(1, 2))
    world.add_file(f"{prefix}_{world.stem()}.txt", prose(rng))
    background(world, rng.randint(1, 2), rng.randint(0, 1))
    dest = world.folder()
    matches = [n for n in world.files_in(src) if fnmatch.fnmatchcase(n, f"{prefix}_*")]
    world.want_dir(dest)
    for name in matches:
        world.want_file(join(dest, name), world.files[join(src, name)])
    world.exclusive.add(dest)
    say = (f"Copy every file directly inside the folder {src}/ whose name starts with \"{prefix}_\" into a new top-level "
           f"folder {dest}/ (create it). The originals stay where they are, and {dest}/ must hold only those copies.")
    mutants = [
        ("prefix anywhere in the name", [f"mkdir {dest}", f"cp {src}/*{prefix}_* {dest}/"]),
        ("prefix without its underscore", [f"mkdir {dest}", f"cp {src}/{prefix}* {dest}/"]),
        ("moved instead of copied", [f"mkdir {dest}", f"mv {src}/{prefix}_* {dest}/"]),
    ]
    return op(say, [f"mkdir {dest}", f"cp {src}/{prefix}_* {dest}/"], mutants, [list_tree()])


def change_extension(world):
    rng = world.rng
    old = rng.choice(["txt", "md", "log", "csv", "dat", "cfg"])
    new = rng.choice([e for e in ["txt", "md", "bak", "old", "text", "csv", "done", "orig"] if e != old])
    folder = world.folder()
    matches = ext_files(world, folder, old, 3, 5)
    world.add_file(join(folder, f"{world.stem()}.{old}.bak"), content_for(rng, old))
    near_ext_distractors(world, folder, old, rng.randint(1, 2))
    ext_files(world, join(folder, world.folder(folder, SUBFOLDERS)), old, 1, 1)
    ext_files(world, "", old, 1, 1)
    background(world, rng.randint(0, 2), rng.randint(0, 1))
    for path in matches:
        world.want_missing(path)
        world.want_file(path[: -len(old)] + new, world.files[path])
    say = (f"In the folder {folder}/, change the extension of every .{old} file directly inside it to .{new} "
           f"(for example a.{old} becomes a.{new}). Files in its sub-folders, files with other extensions and "
           f"everything outside {folder}/ stay as they are.")
    loop = f'cd {folder} && for f in *.{old}; do mv -- "$f" "${{f%.{old}}}.{new}"; done'
    mutants = [
        ("sub-folders too", [f"find {folder} -type f -name '*.{old}' -exec sh -c 'mv -- \"$1\" \"${{1%.{old}}}.{new}\"' _ {{}} \\;"]),
        ("copied instead of renamed", [loop.replace("mv --", "cp --")]),
        ("loose pattern", [f'cd {folder} && for f in *.{old}*; do mv -- "$f" "${{f%.{old}}}.{new}"; done']),
    ]
    return op(say, [loop], mutants, [list_tree()])


def prefix_names(world):
    rng = world.rng
    ext = rng.choice(TEXT_EXTS)
    prefix = rng.choice(NAME_PREFIXES)
    folder = world.folder()
    matches = ext_files(world, folder, ext, 3, 5)
    near_ext_distractors(world, folder, ext, rng.randint(1, 2))
    ext_files(world, join(folder, world.folder(folder, SUBFOLDERS)), ext, 1, 1)
    background(world, rng.randint(1, 2), rng.randint(0, 1))
    for path in matches:
        world.want_missing(path)
        world.want_file(join(folder, prefix + path[len(folder) + 1:]), world.files[path])
    say = (f"In the folder {folder}/, add the prefix \"{prefix}\" to the name of every .{ext} file directly inside it "
           f"(a.{ext} becomes {prefix}a.{ext}). Nothing else changes: not the other files, not its sub-folders.")
    loop = f'cd {folder} && for f in *.{ext}; do mv -- "$f" "{prefix}$f"; done'
    mutants = [
        ("every entry renamed", [f'cd {folder} && for f in *; do mv -- "$f" "{prefix}$f"; done']),
        ("suffix instead of prefix", [f'cd {folder} && for f in *.{ext}; do mv -- "$f" "${{f%.{ext}}}_{prefix.strip("_")}.{ext}"; done']),
        ("copied instead of renamed", [loop.replace("mv --", "cp --")]),
    ]
    return op(say, [loop], mutants, [list_tree()])


def delete_by_suffix(world):
    rng = world.rng
    ext = rng.choice(JUNK_EXTS)
    folder = world.folder()
    sub = join(folder, world.folder(folder, SUBFOLDERS))
    deep = join(sub, world.folder(sub, SUBFOLDERS)) if rng.random() < 0.5 else sub
    matches = ext_files(world, folder, ext, 1, 2) + ext_files(world, sub, ext, 1, 2)
    if deep != sub:
        matches += ext_files(world, deep, ext, 1, 1)
    world.add_file(join(folder, f"{world.stem()}.{ext}.keep"), prose(rng))
    world.add_file(join(sub, f"{world.stem()}.{ext}2"), prose(rng))
    near_ext_distractors(world, folder, ext, rng.randint(1, 2))
    add_files(world, sub, 1)
    ext_files(world, "", ext, 1, 1)
    ext_files(world, world.folder(), ext, 1, 1)
    background(world, rng.randint(0, 2), 0)
    for path in matches:
        world.want_missing(path)
    say = (f"Delete every .{ext} file inside the folder {folder}/, including those in its sub-folders. Keep every "
           f"folder, every other file in {folder}/ and everything outside {folder}/.")
    mutants = [
        ("top of the folder only", [f"rm {folder}/*.{ext}"]),
        ("outside the folder too", [f"find . -type f -name '*.{ext}' -delete"]),
        ("loose pattern", [f"find {folder} -type f -name '*.{ext}*' -delete"]),
    ]
    return op(say, [f"find {folder} -type f -name '*.{ext}' -delete"], mutants, [list_tree()])


def gather_nested(world):
    rng = world.rng
    ext = rng.choice(TEXT_EXTS)
    folder = world.folder()
    subs = [join(folder, world.folder(folder, SUBFOLDERS)) for _ in range(rng.randint(1, 2))]
    deep = join(subs[0], world.folder(subs[0], SUBFOLDERS))
    matches = ext_files(world, folder, ext, 1, 2)
    for sub in subs:
        matches += ext_files(world, sub, ext, 1, 2)
        add_files(world, sub, rng.randint(0, 1), [e for e in TEXT_EXTS if e != ext])
    matches += ext_files(world, deep, ext, 1, 1)
    world.add_file(join(rng.choice(subs), f"{world.stem()}.{ext}.bak"), content_for(rng, ext))
    near_ext_distractors(world, folder, ext, 1)
    background(world, rng.randint(1, 2), rng.randint(0, 1))
    dest = world.folder()
    world.want_dir(dest)
    for path in matches:
        world.want_missing(path)
        world.want_file(join(dest, path.rsplit("/", 1)[1]), world.files[path])
    world.exclusive.add(dest)
    say = (f"Move every .{ext} file found anywhere under the folder {folder}/ (sub-folders included) into a new top-level "
           f"folder {dest}/, all directly inside {dest}/. The folders under {folder}/ stay, even when they end up empty, "
           "and so does every other file.")
    find = f"find {folder} -type f -name '*.{ext}' -exec mv -- {{}} {dest}/ \\;"
    mutants = [
        ("top of the folder only", [f"mkdir {dest}", f"mv {folder}/*.{ext} {dest}/"]),
        ("copied instead of moved", [f"mkdir {dest}", find.replace("-exec mv", "-exec cp")]),
        ("loose pattern", [f"mkdir {dest}", find.replace(f"'*.{ext}'", f"'*.{ext}*'")]),
    ]
    return op(say, [f"mkdir {dest}", find], mutants, [list_tree()])


# ---------------------------------------------------------------------------------------------------------------
# Tier 3: chores that depend on the files' contents.

def organize_by_extension(world):
    rng = world.rng
    folder = world.folder()
    exts = rng.sample(TEXT_EXTS, rng.randint(2, 4))
    moved = []
    for ext in exts:
        moved += ext_files(world, folder, ext, 1, 3 if len(exts) < 4 else 2)
    for name in rng.sample(NO_EXT_NAMES, rng.randint(1, 2)):
        world.add_file(join(folder, name), prose(rng))
    sub = join(folder, world.folder(folder, SUBFOLDERS))
    for ext in rng.sample(exts, min(2, len(exts))):
        ext_files(world, sub, ext, 1, 1)
    background(world, rng.randint(1, 3), rng.randint(0, 1))
    for ext in exts:
        world.want_dir(join(folder, ext))
        world.exclusive.add(join(folder, ext))
    for path in moved:
        name = path.rsplit("/", 1)[1]
        world.want_missing(path)
        world.want_file(join(folder, name.rsplit(".", 1)[1], name), world.files[path])
    order = sorted(exts)
    say = (f"Organize the files directly inside the folder {folder}/ by extension: move each one into a sub-folder of "
           f"{folder}/ named after its extension (create these), e.g. {folder}/a.{order[0]} goes to {folder}/{order[0]}/a.{order[0]}. "
           f"Files without an extension stay where they are, and so does everything already inside sub-folders of {folder}/.")
    mkdir = f"cd {folder} && mkdir {' '.join(order)}"
    loop = f'cd {folder} && for f in *.*; do mv -- "$f" "${{f##*.}}/"; done'
    mutants = [
        ("copied instead of moved", [mkdir, loop.replace("mv --", "cp --")]),
        ("one extension only", [f"cd {folder} && mkdir {order[0]} && mv -- *.{order[0]} {order[0]}/"]),
        ("folders at the top level", [f"mkdir {' '.join(order)}", f'for f in {folder}/*.*; do mv -- "$f" "${{f##*.}}/"; done']),
    ]
    return op(say, [mkdir, loop], mutants, [list_tree()])


def record_text(rng, lines, field, value, near=None):
    """A record: key: value lines in shuffled order; `near` is a look-alike line (previous_status: x) placed first."""
    body = [f"{k}: {v}" for k, v in lines] + ([f"{field}: {value}"] if value is not None else [])
    rng.shuffle(body)
    if near is not None:
        body.insert(0, near)
    return "".join(line + "\n" for line in body)


def record_lines(rng, skip):
    lines = [("id", str(rng.randint(1000, 9999))), ("title", sentence(rng, 2, 4)), ("owner", rng.choice(PEOPLE)),
             ("created", f"2024-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")]
    return [(k, v) for k, v in lines if k != skip]


def organize_by_field(world):
    rng = world.rng
    field = rng.choice(sorted(FIELDS))
    values = rng.sample(FIELDS[field], rng.randint(2, 3))
    ext = rng.choice(["txt", "rec", "md"])
    folder = world.folder()
    records = []
    count = rng.randint(4, 7)
    assigned = values + [rng.choice(values) for _ in range(count - len(values))]
    rng.shuffle(assigned)
    near_at = rng.sample(range(count), rng.randint(1, 2))
    for i, value in enumerate(assigned):
        near = None
        if i in near_at:
            near = f"previous_{field}: {rng.choice([v for v in FIELDS[field] if v != value])}"
        path = world.add_file(join(folder, f"{world.stem()}.{ext}"), record_text(rng, record_lines(rng, field), field, value, near))
        records.append((path, value))
    for _ in range(rng.randint(1, 2)):
        world.add_file(join(folder, f"{world.stem()}.{ext}"), prose(rng))
    other = world.folder()
    world.add_file(join(other, f"{world.stem()}.{ext}"), record_text(rng, record_lines(rng, field), field, rng.choice(values)))
    background(world, rng.randint(1, 2), 0)
    for value in set(assigned):
        world.want_dir(join(folder, value))
        world.exclusive.add(join(folder, value))
    for path, value in records:
        world.want_missing(path)
        world.want_file(join(folder, value, path.rsplit("/", 1)[1]), world.files[path])
    say = (f"Some .{ext} files in the folder {folder}/ are records with a line \"{field}: <value>\". Move every such file into a "
           f"sub-folder of {folder}/ named after its {field} value (create the sub-folders), e.g. a file with the line "
           f"\"{field}: {values[0]}\" goes into {folder}/{values[0]}/. Only the line that starts with \"{field}: \" counts. "
           f"Files without such a line stay where they are, and nothing outside {folder}/ changes.")
    body = f'v=$(sed -n \'s/^{field}: //p\' "$f"); if [ -n "$v" ]; then mkdir -p -- "$v" && mv -- "$f" "$v/"; fi'
    loose = f'v=$(grep -m1 \'{field}: \' "$f" | sed \'s/.*{field}: //\'); if [ -n "$v" ]; then mkdir -p -- "$v" && mv -- "$f" "$v/"; fi'
    command = f"cd {folder} && for f in *.{ext}; do {body}; done"
    mutants = [
        ("the first line mentioning the field", [f"cd {folder} && for f in *.{ext}; do {loose}; done"]),
        ("copied instead of moved", [command.replace("mv --", "cp --")]),
        ("folders at the top level", [f"for f in {folder}/*.{ext}; do {body}; done"]),
    ]
    return op(say, [command], mutants, [list_tree(), read(records[near_at[0]][0])])


def delete_by_level(world):
    rng = world.rng
    level = rng.choice(["ERROR", "WARN"])
    trap = {"ERROR": "error", "WARN": "warning"}[level]
    calm = [lv for lv in ["INFO", "DEBUG", "WARN", "ERROR"] if lv != level]
    delete_with = rng.random() < 0.5
    folder = world.folder()
    has, lacks = [], []

    def log(with_level, trap_word=False):
        lines = [rng.choice(calm) for _ in range(rng.randint(2, 5))]
        text = "".join(log_line(rng, lv) for lv in lines)
        if with_level:
            for _ in range(rng.randint(1, 2)):
                text += log_line(rng, level)
        if trap_word:
            text += log_line(rng, rng.choice(calm), f"{rng.choice(WORDS)} {trap} {rng.choice(WORDS)}")
        lines = text.splitlines(True)
        rng.shuffle(lines)
        return world.add_file(join(folder, f"{world.stem()}.log"), "".join(lines))

    for _ in range(rng.randint(2, 3)):
        has.append(log(True, rng.random() < 0.3))
    for _ in range(rng.randint(1, 2)):
        lacks.append(log(False))
    lacks.append(log(False, True))
    # A non-log file that the "not only .log files" near miss would wrongly judge (deletes or keeps).
    world.add_file(join(folder, f"{world.stem()}.txt"), log_text(rng, [level, rng.choice(calm)]) if delete_with else prose(rng))
    elsewhere = world.folder()
    world.add_file(join(elsewhere, f"{world.stem()}.log"), log_text(rng, [rng.choice(calm)] * 2 + [level]))
    world.add_file(join(elsewhere, f"{world.stem()}.log"), log_text(rng, [rng.choice(calm)] * 3))
    background(world, rng.randint(1, 2), 0)
    for path in has if delete_with else lacks:
        world.want_missing(path)
    which = "at least one" if delete_with else "no"
    say = (f"Each .log file in the folder {folder}/ has lines like \"2024-05-01 10:00:00 {level} disk full\". Delete every "
           f".log file directly inside {folder}/ that has {which} line whose level is {level} (the word {trap} inside a "
           f"message does not count). Keep all other files, in {folder}/ and elsewhere.")
    test = f"grep -q ' {level} ' \"$f\""
    keep_or = "&&" if delete_with else "||"
    flip = "||" if delete_with else "&&"
    command = f'cd {folder} && for f in *.log; do {test} {keep_or} rm -- "$f"; done'
    mutants = [
        ("case-insensitive match", [f'cd {folder} && for f in *.log; do grep -qi {level} "$f" {keep_or} rm -- "$f"; done']),
        ("the opposite files", [f'cd {folder} && for f in *.log; do {test} {flip} rm -- "$f"; done']),
        ("not only .log files", [f'cd {folder} && for f in *; do {test} {keep_or} rm -- "$f"; done']),
    ]
    return op(say, [command], mutants, [list_tree(), read(has[0])])


def delete_empty(world):
    rng = world.rng
    folder = world.folder()
    sub = join(folder, world.folder(folder, SUBFOLDERS))
    empty_dir = join(folder, world.folder(folder, SUBFOLDERS))
    world.add_dir(empty_dir)
    empties = [world.add_file(join(folder, f"{world.stem()}.{rng.choice(TEXT_EXTS)}"), "")]
    empties += [world.add_file(join(sub, f"{world.stem()}.{rng.choice(TEXT_EXTS)}"), "") for _ in range(rng.randint(1, 2))]
    world.add_file(join(folder, f"{world.stem()}.txt"), "\n")
    world.add_file(join(sub, f"{world.stem()}.txt"), rng.choice(["\n", " ", "0"]))
    add_files(world, folder, rng.randint(1, 2))
    add_files(world, sub, 1)
    world.add_file(f"{world.stem()}.txt", "")
    background(world, rng.randint(1, 2), rng.randint(0, 1))
    for path in empties:
        world.want_missing(path)
    say = (f"Delete every empty file (0 bytes) anywhere under the folder {folder}/. Keep all folders, even empty ones, "
           f"every file that is not empty (a file holding just a line break is not empty) and everything outside {folder}/.")
    mutants = [
        ("empty folders too", [f"find {folder} -empty -delete"]),
        ("outside the folder too", ["find . -type f -empty -delete"]),
        ("files of one byte too", [f"find {folder} -type f -size -2c -delete"]),
    ]
    return op(say, [f"find {folder} -type f -empty -delete"], mutants, [list_tree()])


def has_word(text, word):
    return re.search(rf"(?<![A-Za-z0-9_]){word}(?![A-Za-z0-9_])", text) is not None


def delete_by_word(world):
    rng = world.rng
    word = rng.choice(WORDS)
    others = [w for w in WORDS if w != word]
    folder = world.folder()

    def text_with(piece):
        lines = [[w for w in sentence(rng, 3, 6).split() if w != word] or [rng.choice(others)] for _ in range(rng.randint(1, 3))]
        if piece:
            line = rng.choice(lines)
            line.insert(rng.randint(0, len(line)), piece)
        return "".join(" ".join(line) + "\n" for line in lines)

    hits = [world.add_file(join(folder, f"{world.stem()}.txt"), text_with(word)) for _ in range(rng.randint(2, 3))]
    for piece in rng.sample([f"{word}s", f"{word}_{rng.choice(others)}", f"{rng.choice(others)}{word}", f"un{word}"], 2):
        world.add_file(join(folder, f"{world.stem()}.txt"), text_with(piece))
    for _ in range(rng.randint(1, 2)):
        world.add_file(join(folder, f"{world.stem()}.txt"), text_with(None))
    world.add_file(join(world.folder(), f"{world.stem()}.txt"), text_with(word))
    background(world, rng.randint(1, 2), 0)
    doomed = [p for p in world.files_in(folder) if has_word(world.files[join(folder, p)], word)]
    assert sorted(join(folder, p) for p in doomed) == sorted(hits), (doomed, hits)
    for path in hits:
        world.want_missing(path)
    say = (f"Delete every file directly inside the folder {folder}/ whose text contains the word \"{word}\" as a whole "
           f"word (\"{word}s\", \"un{word}\" or \"{word}_x\" do not count). Keep all other files, in {folder}/ and elsewhere.")
    mutants = [
        ("any text containing it", [f"cd {folder} && grep -l -- {word} * | xargs -r rm --"]),
        ("the opposite files", [f"cd {folder} && grep -Lw -- {word} * | xargs -r rm --"]),
        ("only the first file", [f"cd {folder} && grep -lw -- {word} * | head -n 1 | xargs -r rm --"]),
    ]
    return op(say, [f"cd {folder} && grep -lw -- {word} * | xargs -r rm --"], mutants, [list_tree()])


def result_name(world):
    return world.fresh_name("", lambda: f"{world.rng.choice(RESULT_NAMES)}.{world.rng.choice(['txt', 'out', 'lst'])}")


SORT_MODES = {
    "unique": "sorted alphabetically, each distinct line only once",
    "all": "sorted alphabetically, keeping repeated lines as often as they occur",
    "numeric": "sorted by numeric value from smallest to largest, each distinct number only once",
    "dups": "only the lines that occur more than once in total, sorted alphabetically, each once",
    "reverse": "sorted in reverse alphabetical order (z first), each distinct line only once",
    "count": "just the number of distinct lines (one number on one line)",
}


def sort_result(mode, lines):
    """What `cat ... | <mode's pipeline>` writes, computed the way the reference's C-locale tools do."""
    distinct = sorted(set(lines))
    if mode == "unique":
        out = distinct
    elif mode == "all":
        out = sorted(lines)
    elif mode == "numeric":
        out = sorted(set(lines), key=int)
    elif mode == "dups":
        out = [line for line in distinct if lines.count(line) > 1]
    elif mode == "reverse":
        out = distinct[::-1]
    else:
        out = [str(len(distinct))]
    return "".join(line + "\n" for line in out)


def first_seen(lines):
    seen = []
    for line in lines:
        if line not in seen:
            seen.append(line)
    return seen


def adjacent_dups(lines):
    return sorted({a for a, b in zip(lines, lines[1:]) if a == b})


def concat_sort(world):
    rng = world.rng
    mode = rng.choice(sorted(SORT_MODES))
    ext = rng.choice(["txt", "lst", "words"])
    folder = world.folder()
    names = sorted(f"{world.stem()}.{ext}" for _ in range(rng.randint(3, 5)))
    for _ in range(100):
        if mode == "numeric":
            pool = [str(n) for n in rng.sample(range(1, 1000), 14)]
            pool[:2] = [str(rng.randint(2, 9)), str(rng.randint(10, 99))]
        else:
            pool = rng.sample(WORDS, 12)
        contents = [[rng.choice(pool) for _ in range(rng.randint(3, 6))] for _ in names]
        lines = [line for content in contents for line in content]
        # The .bak holds a line no input has and one that some input has: taking it in changes every mode's result.
        unseen = [str(n) for n in range(1, 2000) if str(n) not in lines] if mode == "numeric" else [w for w in WORDS if w not in lines]
        extra = [rng.choice(unseen), rng.choice(lines)]
        with_extra = lines + extra
        result = sort_result(mode, lines)
        checks = [result != sort_result(mode, with_extra), len(set(lines)) < len(lines)]
        if mode in ("unique", "reverse"):
            checks += [result != "".join(x + "\n" for x in first_seen(lines))]
        if mode == "all":
            checks += [result != sort_result("unique", lines), result != "".join(x + "\n" for x in lines)]
        if mode == "numeric":
            checks += [result != sort_result("unique", lines), [int(x) for x in sorted(set(lines))] != sorted(int(x) for x in set(lines))]
        if mode == "dups":
            checks += [result != sort_result("unique", lines), "".join(x + "\n" for x in adjacent_dups(lines)) != result]
        if mode == "count":
            checks += [len(lines) != len(set(lines))]
        if all(checks):
            break
    else:
        raise RuntimeError("concat_sort: no contents that tell the near misses apart")
    for name, content in zip(names, contents):
        world.add_file(join(folder, name), "".join(line + "\n" for line in content))
    world.add_file(join(folder, f"{world.stem()}.bak"), "".join(line + "\n" for line in extra))
    world.add_file(join(world.folder(), f"{world.stem()}.{ext}"), "".join(line + "\n" for line in rng.sample(pool, 3)))
    background(world, rng.randint(1, 2), 0)
    out = result_name(world)
    world.want_file(out, result)
    pipe = {"unique": "sort -u", "all": "sort", "numeric": "sort -n -u", "dups": "sort | uniq -d",
            "reverse": "sort -r -u", "count": "sort -u | wc -l"}[mode]
    near = {
        "unique": ("not deduplicated", "sort"), "all": ("deduplicated", "sort -u"), "numeric": ("sorted as text", "sort -u"),
        "dups": ("every distinct line", "sort -u"), "reverse": ("not reversed", "sort -u"), "count": ("every line counted", "wc -l"),
    }[mode]
    say = (f"Write the lines of all .{ext} files directly inside the folder {folder}/ into a new top-level file {out}: "
           f"{SORT_MODES[mode]}. Only .{ext} files count, and the files of {folder}/ stay as they are.")
    mutants = [
        (near[0], [f"cat {folder}/*.{ext} | {near[1]} > {out}"]),
        ("every file of the folder", [f"cat {folder}/* | {pipe} > {out}"]),
    ]
    if mode in ("unique", "reverse"):
        mutants.append(("deduplicated without sorting", [f"cat {folder}/*.{ext} | awk '!seen[$0]++' > {out}"]))
    if mode == "dups":
        mutants.append(("uniq without sorting", [f"cat {folder}/*.{ext} | uniq -d > {out}"]))
    return op(say, [f"cat {folder}/*.{ext} | {pipe} > {out}"], mutants, [list_tree(), read(join(folder, names[0]))])


def extract_field(world):
    rng = world.rng
    field = rng.choice(sorted(FIELDS) + ["owner"])
    pool = PEOPLE if field == "owner" else FIELDS[field]
    values = rng.sample(pool, min(len(pool) - 2, rng.randint(2, 4)))
    outsiders = [v for v in pool if v not in values]
    ext = rng.choice(["txt", "rec", "md"])
    folder = world.folder()
    count = rng.randint(len(values) + 1, len(values) + 3)
    assigned = values + [rng.choice(values) for _ in range(count - len(values))]
    rng.shuffle(assigned)
    first = None
    near_at = rng.sample(range(count), rng.randint(1, 2))
    for i, value in enumerate(assigned):
        near = f"{rng.choice(['previous', 'co'])}_{field}: {rng.choice(outsiders)}" if i in near_at else None
        path = world.add_file(join(folder, f"{world.stem()}.{ext}"), record_text(rng, record_lines(rng, field), field, value, near))
        first = first or path
    world.add_file(join(folder, f"{world.stem()}.bak"), record_text(rng, record_lines(rng, field), field, rng.choice(outsiders)))
    world.add_file(join(folder, f"{world.stem()}.{ext}"), prose(rng))
    background(world, rng.randint(1, 2), rng.randint(0, 1))
    out = result_name(world)
    world.want_file(out, "".join(v + "\n" for v in sorted(set(values))))
    say = (f"Some .{ext} files in the folder {folder}/ are records with a line \"{field}: <value>\". Write every {field} value "
           f"of those records into a new top-level file {out}, one per line, sorted alphabetically, each value only once. Only lines that start "
           f"with \"{field}: \" count, and only .{ext} files; the records stay as they are.")
    sed = f"sed -n 's/^{field}: //p'"
    mutants = [
        ("lines mentioning the field anywhere", [f"grep -h '{field}: ' {folder}/*.{ext} | sed 's/.*{field}: //' | sort -u > {out}"]),
        ("not deduplicated", [f"{sed} {folder}/*.{ext} | sort > {out}"]),
        ("every file of the folder", [f"{sed} {folder}/* | sort -u > {out}"]),
    ]
    return op(say, [f"{sed} {folder}/*.{ext} | sort -u > {out}"], mutants, [list_tree(), read(first)])


def count_per_file(world):
    rng = world.rng
    level = rng.choice(["ERROR", "WARN"])
    trap = {"ERROR": "error", "WARN": "warning"}[level]
    calm = [lv for lv in ["INFO", "DEBUG", "WARN", "ERROR"] if lv != level]
    folder = world.folder()
    n = rng.randint(3, 5)
    counts = [0] + [rng.randint(1, 4) for _ in range(n - 1)]
    rng.shuffle(counts)
    rows = []
    trap_at = rng.randrange(n)
    for i, count in enumerate(counts):
        levels = [level] * count + [rng.choice(calm) for _ in range(rng.randint(1, 4))]
        rng.shuffle(levels)
        text = "".join(log_line(rng, lv) for lv in levels)
        if i == trap_at:
            text += log_line(rng, rng.choice(calm), f"{rng.choice(WORDS)} {trap} {rng.choice(WORDS)}")
        path = world.add_file(join(folder, f"{world.stem()}.log"), text)
        rows.append((path.rsplit("/", 1)[1], count))
    world.add_file(join(folder, f"{world.stem()}.txt"), log_text(rng, [level, rng.choice(calm)]))
    background(world, rng.randint(1, 2), rng.randint(0, 1))
    out = result_name(world)
    world.want_file(out, "".join(f"{name} {count}\n" for name, count in sorted(rows)))
    say = (f"For every .log file directly inside the folder {folder}/, write a line \"<file name> <count>\" into a new "
           f"top-level file {out}, where <count> is the number of lines whose level is {level} (lines like "
           f"\"2024-05-01 10:00:00 {level} disk full\"; the word {trap} in a message does not count). One line per .log "
           f"file, ordered by file name, files with a count of 0 included. The logs stay as they are.")
    loop = lambda body: f"(cd {folder} && for f in *.log; do {body}; done) > {out}"  # noqa: E731
    mutants = [
        ("every line counted", [loop('echo "$f $(wc -l < "$f")"')]),
        ("zero counts left out", [loop(f'n=$(grep -c \' {level} \' "$f"); [ "$n" -gt 0 ] && echo "$f $n"')]),
        ("case-insensitive count", [loop(f'echo "$f $(grep -ci {level} "$f")"')]),
    ]
    return op(say, [loop(f'echo "$f $(grep -c \' {level} \' "$f")"')], mutants, [list_tree(), read(join(folder, rows[0][0]))])


TIER1 = [lambda w: move_or_copy_ext(w, False), lambda w: move_or_copy_ext(w, True), delete_ext, rename_folder, make_folder_and_move,
         delete_folder, copy_folder, sort_file, count_lines]
TIER2 = [copy_by_prefix, change_extension, prefix_names, delete_by_suffix, gather_nested]
TIER3 = [organize_by_extension, organize_by_field, delete_by_level, delete_empty, delete_by_word, concat_sort,
         extract_field, count_per_file]


# ---------------------------------------------------------------------------------------------------------------
# The verifier: a JSON Schema over {submitted, state}, state being the probe's report.

def js_escape(text):
    """Text as a literal in an ECMAScript regex compiled with the `u` flag (which rejects needless escapes)."""
    out = []
    for ch in text:
        if ch in "\\^$.*+?()[]{}|/":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        else:
            out.append(ch)
    return "".join(out)


def fact_schema(want):
    if want[0] == "file":
        text = want[1][:-1] if want[1].endswith("\n") else want[1]
        # The exact text; only a missing final line break is forgiven.
        return whole_text_file("^" + js_escape(text) + "\\n?$")
    return {"type": "object", "required": ["type"], "properties": {"type": {"const": want[0]}}}


def outcome_schema(final, exclusive):
    tree = {
        "type": "object",
        "required": sorted(final),
        "properties": {path: fact_schema(want) for path, want in sorted(final.items())},
    }
    patterns = {}
    for folder in sorted(exclusive):
        inside = sorted(p[len(folder) + 1:] for p in final if p.startswith(folder + "/"))
        allowed = f"(?!(?:{'|'.join(js_escape(p) for p in inside)})$)" if inside else ""
        patterns[f"^{js_escape(folder)}/{allowed}"] = False
    if patterns:
        tree["patternProperties"] = patterns
    return {
        "$schema": SCHEMA,
        "type": "object",
        "required": ["submitted", "state"],
        "properties": {
            # The final state is the whole verdict (submit takes no arguments), so an episode that reached it and
            # ran out of steps without calling submit (submitted null) has done the chore too.
            "submitted": {"type": ["object", "null"]},
            "state": {
                "type": "object",
                "required": ["tree", "complete"],
                # complete: the probe listed every entry, so nothing extra can hide in a folder that must hold only
                # the judged files.
                "properties": {"complete": {"const": True}, "tree": tree},
            },
        },
    }


def judged_limits(final):
    """Bytes of text the probe reads per judged path: a little past the required text, so more shows as truncated."""
    return {p: (len(w[1].encode()) + 16 if w[0] == "file" else 16) for p, w in sorted(final.items())}


# ---------------------------------------------------------------------------------------------------------------
# Tasks.

LOOK_TIP = "list_tree and read_file let you look without changing anything."


def make_task(seed, tier, index):
    if not isinstance(tier, int) or not 0 <= tier <= MAX_TIER:
        raise ValueError(f"shell-ops: tier {tier!r} does not exist (tiers are 0..{MAX_TIER})")
    # Seeding with a string hashes it (SHA-512), so streams are stable across Python versions and never collide.
    rng = random.Random(f"shell-ops#{seed}#{tier}#{index}")
    world = World(rng)
    if tier == 0:
        command, mutants = spelled_out(world)
        ops = [op(None, [command], mutants)]
        # The call spelled out as the model writes it (no command has a double quote, so it copies into JSON as is).
        assert '"' not in command and "\\" not in command
        prompt = f'Call shell with command "{command}", then call submit.'
        tools = ["shell"]
    else:
        if tier == 1:
            ops = [rng.choice(TIER1)(world)]
        elif tier == 2:
            ops = [rng.choice(TIER2)(world)]
        elif tier == 3:
            ops = [rng.choice(TIER3)(world)]
        else:
            kinds = [rng.choice(TIER3)] + rng.sample(TIER2 + TIER3, 2)
            kinds = list(dict.fromkeys(kinds))[: rng.choice([2, 3])]
            background(world, rng.randint(1, 3), rng.randint(0, 1))
            ops = [kind(world) for kind in kinds]
        tools = ["shell", "list_tree", "read_file"]
        if len(ops) == 1:
            prompt = f"In the work directory: {ops[0]['say']}\nWhen you are done, call submit. ({LOOK_TIP})"
        else:
            steps = "\n".join(f"{i + 1}. {o['say']}" for i, o in enumerate(ops))
            prompt = f"Do all of the following in the work directory:\n{steps}\nWhen you are done, call submit. ({LOOK_TIP})"
    looks = []
    for o in ops:
        looks += [c for c in o["looks"] if c not in looks]
    reference = [c for c in looks if c["name"] == "list_tree"]
    for o in ops:
        reference += [c for c in o["looks"] if c["name"] != "list_tree"] + [shell(c) for c in o["commands"]]
    reference.append(SUBMIT)
    mutants = []
    for i, o in enumerate(ops):
        chosen = o["mutants"] if len(ops) == 1 else rng.sample(o["mutants"], 2 if i == 0 else 1)
        for name, commands in chosen:
            calls = []
            for j, other in enumerate(ops):
                calls += [shell(c) for c in (commands if j == i else other["commands"])]
            label = name if len(ops) == 1 else f"step {i + 1}: {name}"
            mutants.append({"name": label, "calls": calls + [SUBMIT]})
    final = world.final()
    return {
        "prompt": prompt,
        "tools": tools,
        "submit": NO_ARGS,
        "reference": reference,
        "outcomeSchema": outcome_schema(final, world.exclusive),
        "mutants": mutants,
        "files": dict(sorted(world.files.items())),
        "dirs": sorted(world.dirs),
        "judged": judged_limits(final),
    }


PRIVATE_KEYS = ("files", "dirs", "judged")
