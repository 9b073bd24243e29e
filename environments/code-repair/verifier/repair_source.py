"""Turning templates into the Python files of a task: function instances (a template with its name, variable
names and constants drawn), modules, and the visible test file. Private to the verifier."""
import re
import textwrap

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
DOC_WIDTH = 96


def fill(text, mapping):
    """Replaces {key} for the keys of mapping only, so any other braces in the code stay as they are."""
    return PLACEHOLDER.sub(lambda m: str(mapping[m.group(1)]) if m.group(1) in mapping else m.group(0), text)


class Fn:
    """One function of a task. `module` is the name of the module it lives in; `helper` the Fn a combo calls."""

    def __init__(self, template, name, module, helper=None, comment=None):
        self.template, self.name, self.module, self.helper, self.comment = template, name, module, helper, comment
        self.mapping = {}
        self.consts = {}

    def draw(self, r, taken):
        """Draws constants and variable names; `taken` are the function names of the task (no variable may
        shadow one)."""
        self.consts = self.template.consts(r) if self.template.consts else {}
        used = set()
        for key, pool in self.template.vars.items():
            choices = [v for v in pool if v not in used and v not in taken]
            pick = r.choice(choices) if choices else f"{pool[0]}_{len(used)}"

            used.add(pick)
            self.mapping[key] = pick
        self.mapping.update(self.consts)
        if self.helper is not None:
            self.mapping["h"] = self.helper.name

    @property
    def params(self):
        return [self.mapping[p] for p in self.template.params]

    def def_line(self):
        return f"def {self.name}({', '.join(self.params)}):"

    def source(self):
        doc = textwrap.wrap(fill(self.template.doc, self.mapping), DOC_WIDTH)
        body = fill(textwrap.dedent(self.template.body).strip("\n"), self.mapping)
        lines = []
        if self.comment:
            lines.append(f"# {self.comment}")
        lines.append(self.def_line())
        lines.append('    """' + "\n    ".join(doc) + '"""')
        lines.append(textwrap.indent(body, "    "))
        return "\n".join(lines) + "\n"

    def call_text(self, args):
        return f"{self.name}({', '.join(repr(a) for a in args)})"


def module_source(name, fns, imports=()):
    """A module: its docstring, imports (pairs of module name and function names), then the functions."""
    parts = [f'"""Functions of the {name} module. Each docstring says exactly what its function returns."""\n']
    for module, names in imports:
        parts.append(f"from {module} import {', '.join(names)}\n")
    for fn in fns:
        parts.append("\n\n" + fn.source())
    return "".join(parts)


def function_text(source, fn):
    """The exact text of fn in its module's source (its comment excluded), without the final newline."""
    lines = source.split("\n")
    start = lines.index(fn.def_line())
    end = start + 1
    while end < len(lines) and (lines[end].startswith(" ") or lines[end] == "" and end + 1 < len(lines)
                                and lines[end + 1].startswith(" ")):
        end += 1
    return "\n".join(lines[start:end])


def test_source(module, checks):
    """The visible test file of `module`: checks is a list of (fn, [(args, expected), ...]), one test each."""
    names = [fn.name for fn, _ in checks]
    parts = [f'"""Tests of {module}.py (the run_tests tool runs them)."""\n',
             f"from {module} import {', '.join(names)}\n"]
    for fn, cases in checks:
        lines = [f"def test_{fn.name}():"]
        lines += [f"    assert {fn.call_text(args)} == {expected!r}" for args, expected in cases]
        parts.append("\n\n" + "\n".join(lines) + "\n")
    return "".join(parts)
