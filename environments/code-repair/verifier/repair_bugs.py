"""Where one function's code can take a one-line bug, found from its syntax tree. Private to the verifier.

A site is a span of one line and the texts that could replace it: an operator swapped (+ for -, // for %), a
comparison made wrong (< for <=, == for !=), a constant moved by one, a `+ 1` dropped, `and` for `or`, the
operands of a - b swapped, min for max, True for False, the branches of an `x if c else y` swapped, a `not`
dropped, one parameter used for another. Whether a replacement is a real bug (it changes what the function
returns on the task's inputs) is decided by running it, not here.
"""
import ast

ARITH = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.FloorDiv: "//", ast.Mod: "%", ast.Div: "/"}
ARITH_ALT = {"+": ["-", "*"], "-": ["+"], "*": ["+", "//"], "//": ["*", "%"], "%": ["//"], "/": ["//"]}
CMP = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
       ast.NotIn: "not in"}
CMP_ALT = {"<": ["<=", ">"], "<=": ["<", ">="], ">": [">=", "<"], ">=": [">", "<="], "==": ["!="], "!=": ["=="],
           "in": ["not in"], "not in": ["in"]}
NOT_COMMUTATIVE = (ast.Sub, ast.FloorDiv, ast.Mod)


class Site:
    """A span [start, end) of line `line` (1-based) and its possible replacements."""

    def __init__(self, kind, line, start, end, alts):
        self.kind, self.line, self.start, self.end, self.alts = kind, line, start, end, alts


def _one_line(*nodes):
    return all(n.lineno == n.end_lineno == nodes[0].lineno for n in nodes)


def _segment_site(kind, lines, a, b, op, alts):
    """The operator between nodes a and b (on one line), when the text between them is just that operator
    (maybe with spaces and parentheses)."""
    if not _one_line(a, b):
        return None
    text = lines[a.lineno - 1]
    segment = text[a.end_col_offset:b.col_offset]
    if segment.strip(" ()") != op:
        return None
    return Site(kind, a.lineno, a.end_col_offset, b.col_offset, [segment.replace(op, alt, 1) for alt in alts])


def _span(lines, node):
    return lines[node.lineno - 1][node.col_offset:node.end_col_offset]


def function_sites(source, name):
    """The bug sites of function `name` in module source (its docstring and def line excluded)."""
    tree = ast.parse(source)
    lines = source.split("\n")
    func = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == name)
    params = [a.arg for a in func.args.args]
    body = func.body[1:] if func.body and isinstance(func.body[0], ast.Expr) and isinstance(
        getattr(func.body[0], "value", None), ast.Constant) else func.body
    sites = []
    negated = set()
    called = set()
    for statement in body:
        for node in ast.walk(statement):
            if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant):
                negated.add(id(node.operand))
            if isinstance(node, ast.Call):
                called.add(id(node.func))
    for statement in body:
        for node in ast.walk(statement):
            site = None
            if isinstance(node, ast.BinOp) and type(node.op) in ARITH:
                op = ARITH[type(node.op)]
                site = _segment_site("operator", lines, node.left, node.right, op, ARITH_ALT[op])
                if site and isinstance(node.op, NOT_COMMUTATIVE) and lines[node.lineno - 1][site.start:site.end].strip() == op:
                    left, right = _span(lines, node.left), _span(lines, node.right)
                    between = lines[node.lineno - 1][site.start:site.end]
                    sites.append(Site("operands", node.lineno, node.left.col_offset, node.right.end_col_offset,
                                      [right + between + left]))
                if (isinstance(node.op, (ast.Add, ast.Sub)) and isinstance(node.right, ast.Constant)
                        and node.right.value == 1 and _one_line(node)):
                    sites.append(Site("off-by-one", node.lineno, node.col_offset, node.end_col_offset,
                                      [_span(lines, node.left)]))
            elif isinstance(node, ast.AugAssign) and type(node.op) in ARITH:
                op = ARITH[type(node.op)]
                site = _segment_site("operator", lines, node.target, node.value, op + "=", [a + "=" for a in ARITH_ALT[op]])
            elif isinstance(node, ast.Compare):
                operands = [node.left, *node.comparators]
                for i, cmp in enumerate(node.ops):
                    op = CMP[type(cmp)]
                    found = _segment_site("comparison", lines, operands[i], operands[i + 1], op, CMP_ALT[op])
                    if found:
                        sites.append(found)
            elif isinstance(node, ast.BoolOp):
                op = "and" if isinstance(node.op, ast.And) else "or"
                for a, b in zip(node.values, node.values[1:]):
                    found = _segment_site("boolean", lines, a, b, op, ["or" if op == "and" else "and"])
                    if found:
                        sites.append(found)
            elif isinstance(node, ast.Constant) and _one_line(node):
                if isinstance(node.value, bool):
                    site = Site("branch", node.lineno, node.col_offset, node.end_col_offset, [str(not node.value)])
                elif isinstance(node.value, int) and id(node) not in negated:
                    site = Site("constant", node.lineno, node.col_offset, node.end_col_offset,
                                [str(node.value + 1), str(node.value - 1)])
            elif (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and isinstance(node.operand, ast.Constant)
                  and type(node.operand.value) is int and _one_line(node)):
                v = -node.operand.value
                site = Site("constant", node.lineno, node.col_offset, node.end_col_offset, [str(v - 1), str(v + 1)])
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not) and _one_line(node):
                site = Site("branch", node.lineno, node.col_offset, node.end_col_offset, [_span(lines, node.operand)])
            elif isinstance(node, ast.IfExp) and _one_line(node):
                body, orelse = _span(lines, node.body), _span(lines, node.orelse)
                middle = lines[node.lineno - 1][node.body.end_col_offset:node.orelse.col_offset]
                site = Site("branch", node.lineno, node.body.col_offset, node.orelse.end_col_offset, [orelse + middle + body])
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("min", "max") and _one_line(node):
                site = Site("call", node.lineno, node.func.col_offset, node.func.end_col_offset,
                            ["max" if node.func.id == "min" else "min"])
            elif (isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in params and len(params) > 1
                  and id(node) not in called):
                site = Site("variable", node.lineno, node.col_offset, node.end_col_offset, [p for p in params if p != node.id])
            if site:
                sites.append(site)
    return sites


def apply(source, line, start, end, text):
    """Source with [start, end) of line `line` (1-based) replaced by text."""
    lines = source.split("\n")
    row = lines[line - 1]
    lines[line - 1] = row[:start] + text + row[end:]
    return "\n".join(lines)
