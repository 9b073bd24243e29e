"""The tasks of the `files` environment, deterministic from (seed, tier, index). Private to the verifier:
the generator, setup and probe import it; the agent cannot read it.

A task is a dict: prompt, tools (names from the manifest), submit (the submit tool's parameters), reference
(tool calls ending in submit), outcomeSchema (JSON Schema over {submitted, state}), mutants (variants of the
reference that break a requirement) and, for answer tasks, guess (the answers a guess would pick from); plus
`files`, the initial state that setup writes and the probe checks first.
"""
import random
import re

from tasksynth_state import whole_text_file

WORDS = [
    "apple", "river", "candle", "garden", "pepper", "silver", "tiger", "window", "planet", "coffee",
    "marble", "rocket", "violet", "pencil", "harbor", "meadow", "lantern", "orange", "falcon", "cookie",
    "anchor", "badger", "basket", "beacon", "bishop", "bottle", "bridge", "bucket", "butter", "cactus",
    "camera", "canyon", "carpet", "castle", "cherry", "circle", "cobalt", "copper", "cotton", "crayon",
    "dagger", "desert", "dragon", "eagle", "engine", "fabric", "feather", "fiddle", "forest", "fossil",
    "galaxy", "ginger", "glacier", "goblet", "gravel", "hammer", "helmet", "island", "jacket", "jungle",
    "kettle", "ladder", "lemon", "lizard", "magnet", "mammoth", "mirror", "monkey", "needle", "nickel",
    "oyster", "paddle", "parrot", "pebble", "pillow", "pirate", "pocket", "puzzle", "quartz", "rabbit",
    "saddle", "salmon", "shadow", "shovel", "spider", "sponge", "statue", "summit", "tablet", "thunder",
    "timber", "tomato", "tunnel", "turtle", "velvet", "walnut", "wizard", "yogurt", "zipper", "zebra",
]
STEMS = ["notes", "todo", "report", "memo", "draft", "list", "summary", "log", "answer", "result", "ideas", "plan"]
SCHEMA = "https://json-schema.org/draft/2020-12/schema"
NO_ARGS = {"type": "object", "properties": {}, "additionalProperties": False}


def any_case(word):
    """A case-insensitive pattern: JSON Schema regexes take no flags, so each letter gets a class."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.lower() != c.upper() else re.escape(c) for c in word)


def word_file(word):
    """The file holds the word alone, in any case, surrounding white space allowed, and was read whole."""
    return whole_text_file(f"^\\s*{any_case(word)}\\s*$")


def outcome_schema(submitted, files):
    return {
        "$schema": SCHEMA,
        "type": "object",
        "required": ["submitted", "state"],
        "properties": {
            "submitted": submitted,
            "state": {
                "type": "object",
                "required": ["tree"],
                "properties": {"tree": {"type": "object", "required": sorted(files), "properties": files}},
            },
        },
    }


def call(name, **arguments):
    return {"name": name, "arguments": arguments}


SUBMIT = call("submit")


def write_word(rng, spelled_out):
    stem, other = rng.sample(STEMS, 2)
    # Tier 1 numbers its file ("memo-17.txt"): 12 stems x 104 words alone made ~1,250 distinct tasks, and ten draws
    # already repeated one. Tier 0 keeps the plain names its spelled-out calls were tuned on.
    number = "" if spelled_out else f"-{rng.randint(1, 99)}"
    name, wrong_name = f"{stem}{number}.txt", f"{other}{number}.txt"
    word = rng.choice(WORDS)
    wrong = rng.choice([w for w in WORDS if w != word])
    prompt = (
        f'Call write_file with path "{name}" and content "{word}", then submit.'
        if spelled_out
        else f"Create a file named {name} that contains the word {word}."
    )
    return {
        "prompt": prompt,
        "tools": ["write_file"],
        "submit": NO_ARGS,
        "files": {},
        "reference": [call("write_file", path=name, content=word), SUBMIT],
        "outcomeSchema": outcome_schema({"type": "object"}, {name: word_file(word)}),
        "mutants": [
            {"name": "wrong word", "calls": [call("write_file", path=name, content=wrong), SUBMIT]},
            {"name": "wrong file", "calls": [call("write_file", path=wrong_name, content=word), SUBMIT]},
            {"name": "word in a sentence", "calls": [call("write_file", path=name, content=f"the word is {word}"), SUBMIT]},
            {
                "name": "more text past what the probe reads",
                "calls": [call("write_file", path=name, content=word + " " * 1100 + "and then other words"), SUBMIT],
            },
        ],
    }


def copy_word(rng):
    source, target, other = (f"{stem}.txt" for stem in rng.sample(STEMS, 3))
    word = rng.choice(WORDS)
    wrong = rng.choice([w for w in WORDS if w != word])
    return {
        "prompt": f"The file {source} contains one word. Write that same word into a new file named {target}.",
        "tools": ["list_files", "read_file", "write_file"],
        "submit": NO_ARGS,
        "files": {source: f"{word}\n"},
        "reference": [call("read_file", path=source), call("write_file", path=target, content=word), SUBMIT],
        "outcomeSchema": outcome_schema({"type": "object"}, {source: word_file(word), target: word_file(word)}),
        "mutants": [
            {"name": "guessed word", "calls": [call("write_file", path=target, content=wrong), SUBMIT]},
            {"name": "wrong target", "calls": [call("read_file", path=source), call("write_file", path=other, content=word), SUBMIT]},
            {
                "name": "source overwritten",
                "calls": [call("write_file", path=target, content=word), call("write_file", path=source, content=wrong), SUBMIT],
            },
            {"name": "moved instead of copied", "calls": [call("write_file", path=target, content=word), call("write_file", path=source, content=""), SUBMIT]},
        ],
    }


def find_word(rng):
    """One word appears exactly once among 8-10 files of 14-20 lines: answer with its file and line number.
    A guess among every visible file:line pair (at least 112) passes at most 1 time in 112."""
    names = [f"{stem}.txt" for stem in rng.sample(STEMS, rng.randint(8, 10))]
    target_word = rng.choice(WORDS)
    others = [w for w in WORDS if w != target_word]
    contents = {name: [rng.choice(others) for _ in range(rng.randint(14, 20))] for name in names}
    target_file = rng.choice(names)
    line = rng.randrange(len(contents[target_file]))
    contents[target_file][line] = target_word
    number = line + 1
    wrong_file = rng.choice([n for n in names if n != target_file])
    neighbour = number + 1 if number < len(contents[target_file]) else number - 1
    answer = f"{target_file}:{number}"
    pattern = f"^\\s*(\\./)?{re.escape(target_file)}\\s*:\\s*0*{number}\\s*$"
    candidates = [f"{name}:{i + 1}" for name in names for i in range(len(contents[name]))]
    reads = [call("read_file", path=name) for name in names[: names.index(target_file) + 1]]
    submit_answer = lambda value: call("submit", answer=value)  # noqa: E731
    return {
        "prompt": (
            f"The word {target_word} appears exactly once among the files in the work directory. Find it and submit "
            f"its file name and line number as the answer, written name:line (for example example.txt:3)."
        ),
        "tools": ["list_files", "read_file"],
        "submit": {
            "type": "object",
            "properties": {"answer": {"type": "string", "description": "file name and line number, as name:line"}},
            "required": ["answer"],
            "additionalProperties": False,
        },
        "files": {name: "\n".join(lines) + "\n" for name, lines in contents.items()},
        "reference": [call("list_files"), *reads, submit_answer(answer)],
        "outcomeSchema": outcome_schema(
            {"type": "object", "required": ["answer"], "properties": {"answer": {"type": "string", "pattern": pattern}}},
            {target_file: {"type": "object", "required": ["type"], "properties": {"type": {"const": "file"}}}},
        ),
        "mutants": [
            {"name": "neighbouring line", "calls": [*reads, submit_answer(f"{target_file}:{neighbour}")]},
            {"name": "right line, wrong file", "calls": [*reads, submit_answer(f"{wrong_file}:{number}")]},
            {"name": "file name only", "calls": [*reads, submit_answer(target_file)]},
            {"name": "the prompt's example", "calls": [*reads, submit_answer("example.txt:3")]},
        ],
        "guess": {"field": "answer", "candidates": candidates},
    }


MAX_TIER = 3


def make_task(seed, tier, index):
    if not isinstance(tier, int) or not 0 <= tier <= MAX_TIER:
        raise ValueError(f"files: tier {tier!r} does not exist (tiers are 0..{MAX_TIER})")
    # Seeding with a string hashes it (SHA-512), so streams are stable across Python versions and never collide.
    rng = random.Random(f"files#{seed}#{tier}#{index}")
    if tier == 0:
        return write_word(rng, spelled_out=True)
    if tier == 1:
        return write_word(rng, spelled_out=False)
    if tier == 2:
        return copy_word(rng)
    return find_word(rng)
