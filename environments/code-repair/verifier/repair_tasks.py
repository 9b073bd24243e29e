"""The tasks of the `code-repair` environment, deterministic from (seed, tier, index). Private to the verifier: the
generator, setup and probe import it; the agent cannot read it.

A task is one or two generated Python modules and a visible test file in /work, with exactly one line made wrong
(repair_bugs finds the sites, running the code decides which make a real bug). The agent edits the code and
submits; the probe then calls every function of the agent's final modules on hidden cases (inputs the visible
tests do not use) and compares the values with the right answers, which only the verifier knows. The outcome
schema requires every hidden case to pass, so editing or deleting the visible tests gains nothing, and neither
does special-casing their inputs.

Tiers: 0 spells the edit out; 1 names the function and line; 2 names a failing test; 3 is a larger module with
helpers, functions built on them and an unused distractor; 4 is two modules with the bug in a helper module that
only the other module's tests reach.
"""
import ast
import json
import random

from repair_bugs import apply, function_sites
from repair_exec import call as run_call
from repair_exec import canonical, load, results
from repair_source import Fn, function_text, module_source, test_source
from repair_templates import COMBOS_BY_KIND, HELPERS, OTHER, STANDALONE

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
MAX_TIER = 4
MODULE_NAMES = ["scoring", "pricing", "metrics", "calc", "mathbits", "numtools", "textkit", "listops", "checks",
                "ledger", "tally", "grades", "records", "inventory", "timing", "measures", "rules", "convert",
                "counters", "shop", "billing", "rates", "fares", "payroll", "budget", "planner", "warehouse",
                "schedule", "points_table", "tickets"]
MAIN_NAMES = ["report", "summary", "pipeline", "analysis", "dashboard", "batch_jobs", "review", "digest",
              "frontdesk", "overview", "exporter", "nightly"]
UTIL_NAMES = ["util", "helpers", "common", "basics", "support", "toolbox", "shared", "primitives"]
LEGACY_NOTE = "Kept for the old export script; nothing in this module calls it."
POOL_DRAWS = 48
POOL_SIZE = 26
VISIBLE_POOL = 12
HIDDEN_PER_FUNCTION = 8
MIN_HIDDEN_FAILING = 3
MAX_BUG_TRIES = 40
MAX_FILE_CHARS = 7000
TOOLS = {0: ["edit"], 1: ["read_file", "edit", "run_tests"]}
ALL_TOOLS = ["list_files", "read_file", "edit", "run_tests"]
PRIVATE_KEYS = ("files", "hidden", "order")
WRONG_FIX = "a different wrong fix of the same line"


def call(name, **arguments):
    return {"name": name, "arguments": arguments}


SUBMIT = call("submit")

# ---------------------------------------------------------------------------------------------------------------
# The code of a task


class Design:
    """The modules of a task (name -> [Fn], in load order), which module the visible tests import, which functions
    they test, and which functions may take the bug."""

    def __init__(self, modules, tested_module, tested, buggable, imports=None):
        self.modules, self.tested_module, self.tested, self.buggable = modules, tested_module, tested, buggable
        self.imports = imports or {}

    @property
    def order(self):
        return list(self.modules)

    @property
    def fns(self):
        return [fn for fns in self.modules.values() for fn in fns]


def pick_name(r, template, taken):
    names = [n for n in template.names if n not in taken]
    if not names:
        return None
    name = r.choice(names)
    taken.add(name)
    return name


def design(r, tier):
    """Draws the functions of a task and the modules that hold them; None when the names do not work out."""
    taken = set()
    used = set()

    def fresh(pool):
        choices = [t for t in pool if t.key not in used]
        if not choices:
            return None
        template = r.choice(choices)
        used.add(template.key)
        return template

    def make(template, module, helper=None, comment=None):
        if template is None:
            return None
        name = pick_name(r, template, taken)
        return Fn(template, name, module, helper, comment) if name else None

    if tier <= 2:
        module = r.choice(MODULE_NAMES)
        count = r.randint(1, 2) if tier == 0 else r.randint(2, 3)
        fns = []
        if tier == 2 and r.random() < 0.5:
            helper = make(fresh(HELPERS), module)
            if helper is None:
                return None
            fns = [helper, make(fresh(COMBOS_BY_KIND[helper.template.kind]), module, helper)]
        while len(fns) < count:
            fns.append(make(fresh(STANDALONE), module))
        if None in fns:
            return None
        if not any(fn.helper for fn in fns):
            r.shuffle(fns)
        plan = Design({module: fns}, module, fns, fns)
    elif tier == 3:
        module = r.choice(MODULE_NAMES)
        helpers = [make(fresh(HELPERS), module) for _ in range(2)]
        if None in helpers:
            return None
        combos = [make(fresh(COMBOS_BY_KIND[h.template.kind]), module, h) for h in helpers]
        if None in combos:
            return None
        extra = [make(fresh(OTHER + HELPERS), module)]
        legacy = make(fresh(OTHER + HELPERS), module, comment=LEGACY_NOTE)
        if None in extra or legacy is None:
            return None
        rest = combos + extra
        r.shuffle(rest)
        ordered = helpers + rest
        ordered.insert(r.randint(len(helpers), len(ordered)), legacy)
        plan = Design({module: ordered}, module, [fn for fn in ordered if fn is not legacy],
                      [fn for fn in ordered if fn is not legacy])
    else:
        util, main = r.choice(UTIL_NAMES), r.choice(MAIN_NAMES)
        helpers = [make(fresh(HELPERS), util) for _ in range(3)]
        if None in helpers:
            return None
        users = helpers[:2] + [r.choice(helpers)]
        combos = [make(fresh(COMBOS_BY_KIND[h.template.kind]), main, h) for h in users[: r.randint(2, 3)]]
        combos = [c for c in combos if c is not None]
        extra = make(fresh(OTHER), main)
        if len(combos) < 2 or extra is None:
            return None
        main_fns = combos + [extra]
        r.shuffle(main_fns)
        used_helpers = [h for h in helpers if any(c.helper is h for c in combos)]
        plan = Design({util: helpers, main: main_fns}, main, main_fns, used_helpers,
                      imports={main: [(util, [h.name for h in used_helpers])]})
    names = taken | set(plan.modules)
    for fn in plan.fns:
        fn.draw(r, names)
    return plan


def sources_of(plan):
    return {name: module_source(name, fns, plan.imports.get(name, ())) for name, fns in plan.modules.items()}


# ---------------------------------------------------------------------------------------------------------------
# Inputs


class HelperView:
    """What a combo's argument generator may ask of its helper: an input (drawn as the helper's own inputs are)
    and the helper's right answer for it."""

    def __init__(self, r, fn, modules):
        self.r, self.fn, self.modules = r, fn, modules

    def draw(self):
        return self.fn.template.args(self.r, self.fn.consts)[0]

    def out(self, x):
        return getattr(self.modules[self.fn.module], self.fn.name)(x)


def draw_pools(r, plan, modules):
    """Per function, distinct argument lists its right version accepts: [(args, result)], the first VISIBLE_POOL
    for the visible tests, the rest for the hidden ones (so no hidden input is a visible one)."""
    pools = {}
    for fn in plan.fns:
        seen = set()
        pool = []
        for _ in range(POOL_DRAWS):
            if fn.helper is None:
                args = fn.template.args(r, fn.consts)
            else:
                args = fn.template.args(r, fn.consts, HelperView(r, fn.helper, modules))
            args = json.loads(json.dumps(args))
            key = canonical(args)
            if key in seen:
                continue
            seen.add(key)
            result = run_call(modules, fn.module, fn.name, args)
            if result.startswith("!"):
                continue
            pool.append((args, result))
            if len(pool) >= POOL_SIZE:
                break
        pools[fn.name] = pool
    return pools


# ---------------------------------------------------------------------------------------------------------------
# Edits, as the edit tool makes them


def apply_edit(files, path, old, new):
    text = files[path]
    if text.count(old) != 1:
        raise ValueError(f"edit of {path}: {old!r} occurs {text.count(old)} times")
    return {**files, path: text.replace(old, new, 1)}


def apply_calls(files, calls):
    for c in calls:
        if c["name"] == "edit":
            files = apply_edit(files, c["arguments"]["path"], c["arguments"]["old"], c["arguments"]["new"])
    return files


def module_sources(files, order):
    return {name: files[f"{name}.py"] for name in order}


def node_context(buggy, right, line, start, end, delta):
    """The shortest expression around the changed span [start, end) of line `line` (1-based) that occurs once
    in the buggy file: (old, new) for the edit, e.g. ("total - price", "total + price"); None when none does.
    delta is how much longer the buggy text is than the right one."""
    row = buggy.split("\n")[line - 1]
    right_row = right.split("\n")[line - 1]
    spans = set()
    for node in ast.walk(ast.parse(buggy)):
        if (isinstance(node, ast.expr) and node.lineno == node.end_lineno == line
                and node.col_offset <= start and end <= node.end_col_offset):
            spans.add((node.end_col_offset - node.col_offset, node.col_offset, node.end_col_offset))
    for _length, a, b in sorted(spans):
        old = row[a:b]
        if len(old) >= 5 and buggy.count(old) == 1:
            return old, right_row[a:b - delta]
    return None


def line_context(buggy, right, line):
    """The buggy line without its indentation if it occurs once in the file, else whole lines ending with it:
    (old, new) for the edit."""
    lines, right_lines = buggy.split("\n"), right.split("\n")
    index = line - 1
    if buggy.count(lines[index].strip()) == 1:
        return lines[index].strip(), right_lines[index].strip()
    for before in range(1, index + 1):
        piece = "\n".join(lines[index - before:index + 1])
        if buggy.count(piece) == 1:
            return piece, "\n".join(right_lines[index - before:index + 1])
    return None


# ---------------------------------------------------------------------------------------------------------------
# Choosing the bug


def candidates(r, plan, sources):
    """Every (fn, site, replacement) of the functions that may take the bug, kinds interleaved in random order so
    operator, comparison, constant, branch and other bugs all come up."""
    by_kind = {}
    for fn in plan.buggable:
        for site in function_sites(sources[fn.module], fn.name):
            for alt in site.alts:
                by_kind.setdefault(site.kind, []).append((fn, site, alt))
    kinds = sorted(by_kind)
    r.shuffle(kinds)
    for kind in kinds:
        r.shuffle(by_kind[kind])
    out = []
    while any(by_kind[k] for k in kinds):
        for kind in kinds:
            if by_kind[kind]:
                out.append(by_kind[kind].pop())
    return out


def pick_hidden(pool, failing):
    """Up to HIDDEN_PER_FUNCTION hidden cases: failing ones first (half of them at most while passing ones last),
    no answer used by more than half of them (so a function that returns a constant cannot pass)."""
    limit = min(HIDDEN_PER_FUNCTION, len(pool))
    bad = [p for p in pool if p[0] in failing]
    good = [p for p in pool if p[0] not in failing]
    ordered = bad[: limit // 2] + good + bad[limit // 2:]
    counts = {}
    chosen = []
    for key, result in ordered:
        if len(chosen) >= limit:
            break
        if counts.get(result, 0) >= max(1, limit // 2):
            continue
        counts[result] = counts.get(result, 0) + 1
        chosen.append((key, result))
    return chosen


def try_bug(plan, sources, pools, fn, site, alt, tier):
    """The task's cases for this bug, or None when it is not a sound bug: it must change the answer of a visible
    check and of at least MIN_HIDDEN_FAILING hidden cases, and not just crash every call with a TypeError."""
    buggy = {**sources, fn.module: apply(sources[fn.module], site.line, site.start, site.end, alt)}
    if buggy[fn.module] == sources[fn.module]:
        return None
    try:
        ast.parse(buggy[fn.module])
    except SyntaxError:
        return None
    modules = load(buggy, plan.order)
    if isinstance(modules, str):
        return None
    failing = {}
    own = []
    # The bugged function first: a bug that loops without end shows there at once, and is not kept (it would
    # only make every run of the tests and of the probe wait for its limit).
    for f in [fn] + [f for f in plan.fns if f is not fn]:
        failing[f.name] = set()
        for args, result in pools[f.name]:
            got = run_call(modules, f.module, f.name, args)
            if got == "!OutOfSteps":
                return None
            if f is fn:
                own.append(got)
            if got != result:
                failing[f.name].add(canonical(args))
    if own and all(g == "!TypeError" for g in own):
        return None
    per_check = {0: 2, 1: 3, 2: 3, 3: 2, 4: 3}[tier]
    visible = []
    for f in plan.tested:
        pool = pools[f.name][:VISIBLE_POOL]
        bad = [p for p in pool if canonical(p[0]) in failing[f.name]][:1]
        rest = [p for p in pool if p not in bad]
        cases = (bad + rest)[:per_check]
        if len(cases) < 2:
            return None
        visible.append((f, [(args, json.loads(result)) for args, result in cases], bool(bad)))
    if not any(v[2] for v in visible):
        return None
    hidden = []
    hidden_failing = 0
    for f in plan.fns:
        pool = [(canonical(a), res) for a, res in pools[f.name][VISIBLE_POOL:]]
        chosen = pick_hidden(pool, failing[f.name])
        if len(chosen) < 4 or len({res for _, res in chosen}) < 2:
            return None
        hidden_failing += sum(1 for key, _ in chosen if key in failing[f.name])
        hidden += [(f.module, f.name, json.loads(key), res) for key, res in chosen]
    if hidden_failing < MIN_HIDDEN_FAILING:
        return None
    return buggy, visible, hidden


# ---------------------------------------------------------------------------------------------------------------
# Mutants: edits that must not pass


def hardcode_text(plan, sources, fn, visible):
    """The bugged function's def line followed by a lookup of the answers for exactly the inputs the visible
    tests give it (directly, or through the functions that call it): passes the visible tests, not the hidden."""
    modules = load(sources, plan.order)
    original = getattr(modules[fn.module], fn.name)
    known = {}

    def spy(*args):
        key = repr(list(args))
        value = original(*args)
        known.setdefault(key, value)
        return value

    for module in modules.values():
        if getattr(module, fn.name, None) is original:
            setattr(module, fn.name, spy)
    for f, cases, _ in visible:
        for args, _expected in cases:
            run_call(modules, f.module, f.name, args)
    if not known:
        return None
    key = f"repr([{', '.join(fn.params)}])"
    return (f"{fn.def_line()}\n    _known = {known!r}\n    if {key} in _known:\n"
            f"        return _known[{key}]")


def fails_hidden(files, order, hidden):
    got = results(module_sources(files, order), order, [(m, f, a) for m, f, a, _ in hidden])
    return any(g != want for g, (_m, _f, _a, want) in zip(got, hidden))


# ---------------------------------------------------------------------------------------------------------------
# The task


def attempt(r, tier):
    plan = design(r, tier)
    if plan is None:
        return None
    sources = sources_of(plan)
    if any(len(s) > MAX_FILE_CHARS for s in sources.values()):
        return None
    modules = load(sources, plan.order)
    if isinstance(modules, str):
        raise RuntimeError(f"code-repair: generated code does not load: {modules}\n{sources}")
    pools = draw_pools(r, plan, modules)
    if any(len(pools[fn.name]) < VISIBLE_POOL + 4 for fn in plan.fns):
        return None
    for fn, site, alt in candidates(r, plan, sources)[:MAX_BUG_TRIES]:
        made = try_bug(plan, sources, pools, fn, site, alt, tier)
        if made is None:
            continue
        buggy, visible, hidden = made
        path = f"{fn.module}.py"
        delta = len(alt) - (site.end - site.start)
        context = (node_context(buggy[fn.module], sources[fn.module], site.line, site.start, site.start + len(alt), delta)
                   or line_context(buggy[fn.module], sources[fn.module], site.line))
        if context is None:
            continue
        old, new = context
        # Tier 0 spells the edit out as JSON for small models: no quotes or backslashes to escape, and no brackets
        # or braces, which SmolLM2 confuses with the JSON's own ("ordered[:3}": 0 of 8 episodes).
        if tier == 0 and any(ch in old + new for ch in "\"\\\n[]{}"):
            continue
        task = assemble(tier, plan, sources, buggy, fn, site, alt, visible, hidden, path, old, new)
        if task is not None:
            return task
    return None


def assemble(tier, plan, sources, buggy, fn, site, alt, visible, hidden, path, old, new):
    test_path = f"test_{plan.tested_module}.py"
    files = {f"{name}.py": text for name, text in buggy.items()}
    files[test_path] = test_source(plan.tested_module, [(f, cases) for f, cases, _ in visible])
    fix = call("edit", path=path, old=old, new=new)
    # The fix must make every visible and hidden case pass; the code as given must fail.
    fixed = apply_calls(files, [fix])
    if fixed[path] != sources[fn.module] or fails_hidden(fixed, plan.order, hidden) or not fails_hidden(files, plan.order, hidden):
        return None
    line = site.line
    failing_test = next(f"test_{f.name}" for f, _cases, bad in visible if bad)
    run = call("run_tests")
    read = lambda p: call("read_file", path=p)  # noqa: E731
    if tier == 0:
        args = json.dumps({"path": path, "old": old, "new": new})
        prompt = (f"The function {fn.name} in {path} has a bug on line {line}. Fix it by calling the edit tool once "
                  f"with these arguments:\n{args}\nThen call submit.")
        work = [fix]
    elif tier == 1:
        prompt = (f"Line {line} of {path} is wrong: the function {fn.name} does not do what its docstring says. "
                  f"Fix that line with the edit tool (it replaces an exact piece of text, so copy `old` exactly "
                  f"from the file), check the fix with run_tests, then call submit. Hidden tests call {fn.name} "
                  f"with other inputs, so fix the code itself rather than the tested cases.")
        work = [read(path), fix, run]
    elif tier == 2:
        prompt = (f"The test {failing_test} in {test_path} fails. One line of {path} is wrong. Find it (read_file "
                  f"shows a file with line numbers), fix it with the edit tool, check with run_tests, then call "
                  f"submit. Every function must do what its docstring says: hidden tests call them with other "
                  f"inputs, so do not special-case the tested values or change the tests.")
        work = [run, read(path), fix, run]
    elif tier == 3:
        prompt = (f"Some tests in {test_path} fail. Exactly one line of {path} is wrong. Find and fix it so that "
                  f"every function does what its docstring says, check with run_tests, then call submit. Hidden "
                  f"tests call all the functions with other inputs, so do not special-case the tested values or "
                  f"change the tests, and leave the other functions as they are.")
        work = [call("list_files"), run, read(test_path), read(path), fix, run]
    else:
        main = plan.tested_module
        util = plan.order[0]
        prompt = (f"Tests in {test_path} fail. The functions they test are in {main}.py, which uses helper "
                  f"functions from {util}.py; exactly one line in these two files is wrong. Find and fix it so "
                  f"that every function does what its docstring says, check with run_tests, then call submit. "
                  f"Hidden tests call the functions of both files with other inputs, so fix the real bug rather "
                  f"than the tested cases.")
        work = [call("list_files"), run, read(test_path), read(f"{main}.py"), read(f"{util}.py"), fix, run]
    mutants = make_mutants(plan, sources, files, fn, site, alt, visible, hidden, path, old, tier)
    # Only the wrong fix is optional (a line may have no other wrong version): every other near miss must fail,
    # above all the hard-coded answers, which is what a module gaming the visible tests does.
    if len(mutants) < 4 or sum(1 for m in mutants if m["name"] != WRONG_FIX) < 4:
        return None
    return {
        "prompt": prompt,
        "tools": TOOLS.get(tier, ALL_TOOLS),
        "reference": [*work, SUBMIT],
        "outcomeSchema": outcome_schema(len(hidden)),
        "mutants": mutants,
        "files": files,
        "hidden": [[m, f, a, want] for m, f, a, want in hidden],
        "order": plan.order,
    }


def make_mutants(plan, sources, files, fn, site, alt, visible, hidden, path, old, tier):
    """Near misses, each kept only when it does fail the hidden cases: the code left as it is, a different wrong
    fix of the same line, answers hard-coded for the visible inputs, the function deleted, the function stubbed
    to return its most common answer."""
    idle = [call("run_tests")] if tier >= 1 else []
    out = [{"name": "the bug left in place", "calls": [*idle, SUBMIT]}]
    right = sources[fn.module]
    wrong = None
    for other in function_sites(right, fn.name):
        if other.line != site.line:
            continue
        for text in other.alts:
            if (other.start, other.end, text) == (site.start, site.end, alt):
                continue
            wrong_source = apply(right, other.line, other.start, other.end, text)
            context = line_context(files[path], wrong_source, site.line)
            if wrong_source == right or context is None or context[0] == context[1]:
                continue
            calls = [call("edit", path=path, old=context[0], new=context[1])]
            if fails_hidden(apply_calls(files, calls), plan.order, hidden):
                wrong = calls
                break
        if wrong:
            break
    if wrong:
        out.append({"name": WRONG_FIX, "calls": [*wrong, SUBMIT]})
    def_line = fn.def_line()
    hardcoded = hardcode_text(plan, sources, fn, visible)
    if hardcoded:
        out.append({"name": "answers hard-coded for the visible test inputs",
                    "calls": [call("edit", path=path, old=def_line, new=hardcoded), SUBMIT]})
    body = function_text(files[path], fn)
    out.append({"name": f"the function {fn.name} deleted", "calls": [call("edit", path=path, old=body, new=""), SUBMIT]})
    answers = [json.loads(want) for m, f, a, want in hidden if f == fn.name]
    common = max(answers, key=lambda v: sum(1 for w in answers if w == v)) if answers else 0
    out.append({"name": f"{fn.name} stubbed to return {json.dumps(common)[:40]}",
                "calls": [call("edit", path=path, old=def_line, new=f"{def_line}\n    return {common!r}"), SUBMIT]})
    kept = []
    for mutant in out:
        try:
            edited = apply_calls(files, mutant["calls"])
        except ValueError:
            continue
        if fails_hidden(edited, plan.order, hidden):
            kept.append(mutant)
    return kept


def outcome_schema(total):
    return {
        "$schema": SCHEMA,
        "type": "object",
        "required": ["submitted", "state"],
        "properties": {
            "submitted": {"type": "object"},
            "state": {
                "type": "object",
                "required": ["hidden"],
                "properties": {
                    "hidden": {
                        "type": "object",
                        "required": ["total", "passed"],
                        "properties": {"total": {"const": total}, "passed": {"const": total}},
                    },
                },
            },
        },
    }


def make_task(seed, tier, index):
    """The whole task, private parts included: files (what setup writes), hidden ([module, function, args,
    canonical answer]) and order (the modules in load order)."""
    if not isinstance(tier, int) or not 0 <= tier <= MAX_TIER:
        raise ValueError(f"code-repair: tier {tier!r} does not exist (tiers are 0..{MAX_TIER})")
    # Seeding with a string hashes it (SHA-512), so streams are stable across Python versions and never collide.
    r = random.Random(f"code-repair#{seed}#{tier}#{index}")
    for _ in range(200):
        task = attempt(r, tier)
        if task is not None:
            return task
    raise RuntimeError(f"code-repair: no sound task for seed {seed}, tier {tier}, index {index}")


def public(task):
    """The task as the generator prints it: without the files, the hidden cases and the load order."""
    return {k: v for k, v in task.items() if k not in PRIVATE_KEYS}
