"""The tasks of the `data-interpreter` environment, deterministic from (seed, tier, index). Private to the verifier:
the generator, setup and probe import it; the agent cannot read it.

A task is a question about data files (CSV and JSON) with one numeric answer that needs computing: a sum, mean
or median, over rows picked by filters (on the file's own columns, on a joined file's columns, on a month),
optionally per group (the highest or lowest group, their difference, a ratio of two named groups). A question is
a small spec (`q`) that one evaluator computes over the joined rows; the same spec, changed in one place, gives
the near-miss mutants (a filter dropped, the mean for the median, missing values counted as zeros, the lowest
group for the highest, ...), and the reference's Python code is written from it too.

The answer is submitted as text and judged by a pattern that accepts exactly the decimal numbers within half a
hundredth (plus float slack) of the exact value: the answer rounded to 2 decimals, or unrounded. The probe
reports each data file's hash, and the outcome schema requires them unchanged.
"""
import csv
import hashlib
import io
import json
import math
import random
import re
import statistics

from di_vocab import DOMAINS, MONTHS

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
MAX_TIER = 4
# A submission passes when its value is within this of the exact answer (rounding to 2 decimals moves it at
# most 0.005; the rest is float slack), widened outward to whole thousandths by the pattern.
TOLERANCE = 0.0051
# Mutants and visible numbers must sit further than this from the answer, so no pattern can accept them.
SEPARATION = 0.02
MAX_CANDIDATES = 4000
MIN_CANDIDATES = 500
MISSING_TOKENS = ["", "NA", "n/a"]

# ---------------------------------------------------------------------------------------------------------------
# The answer pattern


def interval_pattern(exact, tol=TOLERANCE):
    """A regex matching exactly the plain decimal strings (optional sign +, optional whitespace around) whose value
    lies in [lo, hi], the interval exact +- tol widened outward to whole thousandths.

    A string's value is in it when its first three decimals (padded with zeros) spell a thousandth t in [lo, hi)
    with any digits after, or spell hi with only zeros after. Thousandths sharing their first two decimals make one
    alternative with a digit range; a thousandth ending in zeros may also be written shorter (12.340 as 12.34)."""
    lo = max(0, math.floor((exact - tol) * 1000))
    hi = math.ceil((exact + tol) * 1000)
    alternatives = []
    runs = {}
    for t in range(lo, hi):
        whole, frac = divmod(t, 1000)
        runs.setdefault((whole, f"{frac:03d}"[:2]), []).append(frac % 10)
    for (whole, head), lasts in runs.items():
        digit = str(lasts[0]) if len(lasts) == 1 else f"[{lasts[0]}-{lasts[-1]}]"
        alternatives.append(f"{whole}\\.{head}{digit}[0-9]*")
    shorter = set()
    for t in range(lo, hi + 1):
        whole, frac = divmod(t, 1000)
        digits = f"{frac:03d}"
        shorter.update((whole, digits[:k]) for k in range(3) if digits[k:] == "0" * (3 - k))
    whole, frac = divmod(hi, 1000)
    alternatives.append(f"{whole}\\.{frac:03d}0*")
    for whole, head in sorted(shorter):
        alternatives.append(f"{whole}\\.?" if head == "" else f"{whole}\\.{head}")
    return "^\\s*\\+?(?:" + "|".join(alternatives) + ")\\s*$"


def cents_text(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def as_answer(value):
    return cents_text(int(round(value * 100)))


# ---------------------------------------------------------------------------------------------------------------
# Tables


def draw_num(rng, spec):
    low, high, decimals = spec
    if decimals == 0:
        return rng.randint(low, high)
    return round(rng.uniform(low, high), decimals)


def noisy(rng, value):
    """The same name written carelessly: other case, spaces around it."""
    form = rng.randrange(5)
    if form == 0:
        return value.upper()
    if form == 1:
        return value.lower() if value.lower() != value else value.title()
    if form == 2:
        return " " + value
    if form == 3:
        return value + "  "
    return " " + value.lower() + " "


class Table:
    """A data file: its path, format, column order, rows (dicts of Python values, None for missing), decimals of
    numeric columns, and how it writes missing values."""

    def __init__(self, path, fmt, columns, rows, decimals, missing_tokens, json_key=None, drop_missing_keys=False):
        self.path, self.fmt, self.columns, self.rows = path, fmt, columns, rows
        self.decimals, self.missing_tokens = decimals, missing_tokens
        self.json_key, self.drop_missing_keys = json_key, drop_missing_keys

    def text(self, rng):
        if self.fmt == "lines":
            return "".join(f"{row[self.columns[0]]}\n" for row in self.rows)
        if self.fmt == "csv":
            out = io.StringIO()
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(self.columns)
            for row in self.rows:
                writer.writerow([self.cell(rng, c, row.get(c)) for c in self.columns])
            return out.getvalue()
        lines = []
        for row in self.rows:
            record = {}
            for c in self.columns:
                v = row.get(c)
                if v is None and self.drop_missing_keys and rng.random() < 0.5:
                    continue
                record[c] = v
            lines.append("  " + json.dumps(record))
        body = "[\n" + ",\n".join(lines) + "\n]"
        if self.json_key:
            return '{"' + self.json_key + '": ' + body + "}\n"
        return body + "\n"

    def cell(self, rng, column, value):
        if value is None:
            return rng.choice(self.missing_tokens)
        d = self.decimals.get(column)
        if d:
            return f"{value:.{d}f}"
        return str(value)


# ---------------------------------------------------------------------------------------------------------------
# Evaluating a question over the joined rows


def canon(value, q):
    if isinstance(value, str) and q.get("normalize") and not q.get("exact_match"):
        return value.strip().lower()
    return value


def value_of(spec, row, zero_missing):
    if spec[0] == "col":
        v = row.get(spec[1])
        return 0 if v is None and zero_missing else v
    a, b = row.get(spec[1]), row.get(spec[2])
    if zero_missing:
        a, b = (0 if a is None else a), (0 if b is None else b)
    if a is None or b is None:
        return None
    return a * b


def aggregate(kind, values):
    if not values:
        return None
    if kind == "sum":
        return sum(values)
    if kind == "mean":
        return sum(values) / len(values)
    return statistics.median(values)


def passes(q, row):
    for kind, column, wanted in q["filters"]:
        x = row.get(column)
        if x is None:
            return False
        if kind == "eq" and canon(x, q) != canon(wanted, q):
            return False
        if kind == "ge" and (x <= wanted if q.get("strict_ge") else x < wanted):
            return False
        if kind == "month" and not x.startswith(wanted):
            return False
    return True


def evaluate(q, rows, details=False):
    """The answer of question q over the joined rows, or None when it has none (nothing picked, a missing group)."""
    if q.get("skip_first"):
        rows = rows[1:]
    if q.get("skip_last"):
        rows = rows[:-1]
    picked = []
    for row in rows:
        if not passes(q, row):
            continue
        v = value_of(q["value"], row, q.get("zero_missing"))
        if v is None:
            continue
        key = None
        if q["group"]:
            g = row.get(q["group"]["col"])
            if g is None:
                continue
            key = canon(g, q)
        picked.append((key, v))
    if not picked:
        return (None, 0, {}) if details else None
    if not q["group"]:
        answer = aggregate(q["agg"], [v for _, v in picked])
        return (answer, len(picked), {}) if details else answer
    groups = {}
    for key, v in picked:
        groups.setdefault(key, []).append(v)
    totals = {k: aggregate(q["agg"], vs) for k, vs in groups.items()}
    ranked = sorted(totals.values(), reverse=True)
    select = q["group"]["select"]
    answer = None
    if select == "max":
        answer = ranked[0]
    elif select == "min":
        answer = ranked[-1]
    elif select == "second" and len(ranked) > 1:
        answer = ranked[1]
    elif select == "range":
        answer = ranked[0] - ranked[-1]
    elif select in ("ratio", "inverse"):
        a, b = canon(q["group"]["a"], q), canon(q["group"]["b"], q)
        if select == "inverse":
            a, b = b, a
        if a in totals and b in totals and totals[b]:
            answer = totals[a] / totals[b]
    return (answer, len(picked), totals) if details else answer


# ---------------------------------------------------------------------------------------------------------------
# Building the data


class Dataset:
    """The tables of a task and the rows joined for the evaluator. `refs` says what each joined column is:
    ("fact", column) or ("dim", dim index, column)."""

    def __init__(self):
        self.tables = []
        self.fact = None
        self.dims = []  # [(Table, dim spec, fk column in the fact, key column in the dim, variable name)]
        self.rows = []
        self.kinds = {}  # joined column -> "cat" | "num" | "text" | "date" | "id"
        self.decimals = {}
        self.nouns = {}  # joined column -> how a question names it
        self.archive = None
        self.archive_rows = None


def choose_cats(rng, pool, k):
    return rng.sample(pool, min(k, len(pool)))


def make_dim(rng, spec, n, numeric_ids, prefix_start, key_name):
    name, prefix, start = spec["key"]
    start += prefix_start
    width = max(2, len(str(start + n)))
    keys = [start + i for i in range(n)] if numeric_ids else [f"{prefix}{start + i:0{width}d}" for i in range(n)]
    text_col, text_pool = spec["text"]
    names = rng.sample(text_pool, min(n, len(text_pool)))
    while len(names) < n:
        names.append(f"{rng.choice(text_pool)} {len(names)}")
    cats = {c: choose_cats(rng, pool, rng.randint(3, 5)) for c, pool in spec["cats"].items()}
    rows = []
    for i, k in enumerate(keys):
        row = {key_name: k, text_col: names[i]}
        for c, values in cats.items():
            # Every chosen value appears at least once, so each can be asked about.
            row[c] = values[i] if i < len(values) else rng.choice(values)
        for c, num in spec["nums"].items():
            row[c] = draw_num(rng, num)
        rows.append(row)
    rng.shuffle(rows)
    columns = [key_name, text_col, *spec["cats"], *spec["nums"]]
    decimals = {c: num[2] for c, num in spec["nums"].items()}
    return rows, columns, decimals


def make_fact_rows(rng, F, n, *, dims_keys, date_info, missing_p, cats_k):
    id_name, prefix, start = F["id"]
    start += rng.randrange(0, 900)
    cats = {c: choose_cats(rng, pool, rng.randint(*cats_k)) for c, pool in F["cats"].items()}
    text_col, text_pool = F["text"]
    rows = []
    for i in range(n):
        row = {id_name: f"{prefix}{start + i}"}
        if date_info:
            year, months = date_info
            month = rng.choice(months)
            row["date"] = f"{year}-{month:02d}-{rng.randint(1, 28):02d}"
        for fk, keys in dims_keys:
            row[fk] = rng.choice(keys)
        for c, values in cats.items():
            row[c] = values[i] if i < len(values) else rng.choice(values)
        for c, num in F["nums"].items():
            row[c] = None if rng.random() < missing_p else draw_num(rng, num)
        row[text_col] = rng.choice(text_pool)
        rows.append(row)
    if date_info:
        rows.sort(key=lambda r: r["date"])
    else:
        rng.shuffle(rows)
    return rows


def build_flat(rng, tier):
    """One file whose columns include some of the dimensions' columns inline (tiers 0-2)."""
    dom = rng.choice(DOMAINS)
    F = dom["fact"]
    ds = Dataset()
    stem = rng.choice(F["stems"])
    if tier == 0:
        # One column as a file of whole numbers, one a line, so the code that sums it is short enough to spell out.
        # A column of the fact table or of a dimension table (not a year), named after its table.
        table, col = rng.choice([(t, c) for t in [F, *dom["dims"]] for c, (low, high, _d) in t["nums"].items()
                                 if high >= 10 and low < 1000])
        stem = rng.choice(table["stems"])
        low, high, _d = table["nums"][col]
        rows = [{col: rng.randint(max(1, math.ceil(low)), int(high))} for _ in range(rng.randint(4, 8))]
        ds.fact = Table(f"{stem}_{col}.{rng.choice(['txt', 'dat'])}", "lines", [col], rows, {col: 0}, [""])
        ds.kinds = {col: "num"}
    else:
        n = rng.randint(8, 15) if tier == 1 else rng.randint(20, 45)
        missing_p = 0.0 if tier == 1 else rng.uniform(0.08, 0.15)
        year = rng.randint(2019, 2024)
        first = rng.randint(1, 8)
        date_info = (year, list(range(first, first + rng.randint(3, 5)))) if tier == 2 else None
        rows = make_fact_rows(rng, F, n, dims_keys=[], date_info=date_info, missing_p=missing_p, cats_k=(2, 4))
        # Inline one or two dimension columns (a customer's country, a product's category) and a name.
        inlined = {}
        for dim in rng.sample(dom["dims"], rng.randint(1, 2)):
            col = rng.choice(list(dim["cats"]))
            if col in rows[0] or col in inlined:
                continue
            inlined[col] = choose_cats(rng, dim["cats"][col], rng.randint(2, 4))
        label, pool = rng.choice(dom["dims"])["text"]
        for i, row in enumerate(rows):
            for col, values in inlined.items():
                row[col] = values[i] if i < len(values) else rng.choice(values)
            row[label] = rng.choice(pool)
        id_col = F["id"][0]
        text_col = F["text"][0]
        cat_cols = [*F["cats"], *inlined]
        num_cols = list(F["nums"])
        if tier == 1:
            cat_cols = rng.sample(cat_cols, min(len(cat_cols), rng.randint(1, 2)))
            num_cols = num_cols[:]
            drop = rng.choice([c for c in num_cols if not any(c in p[:2] for p in F["products"])] or [None])
            if drop and len(num_cols) > 2:
                num_cols.remove(drop)
            columns = [id_col, label, *cat_cols, *num_cols]
        else:
            columns = [id_col, "date", label, *cat_cols, *num_cols, text_col]
        fmt = "csv" if tier == 1 or rng.random() < 0.5 else "json"
        decimals = {c: F["nums"][c][2] for c in num_cols}
        ds.fact = Table(
            f"{stem}.{fmt}", fmt, columns, rows, decimals,
            rng.sample(MISSING_TOKENS, rng.randint(1, 3)) if tier == 2 else [""],
            json_key=rng.choice([None, stem]), drop_missing_keys=True,
        )
        ds.kinds = {id_col: "id", label: "text", text_col: "text", "date": "date",
                    **{c: "cat" for c in cat_cols}, **{c: "num" for c in num_cols}}
    ds.tables = [ds.fact]
    ds.decimals = dict(ds.fact.decimals)
    ds.rows = [{c: r.get(c) for c in ds.fact.columns} for r in ds.fact.rows]
    ds.nouns = {c: c for c in ds.fact.columns}
    ds.domain = dom
    ds.fact_noun = F["noun"]
    ds.products = [p for p in F["products"] if p[0] in ds.fact.columns and p[1] in ds.fact.columns]
    return ds


def build_joined(rng, tier):
    """A fact file and one (tier 3) or two (tier 4) dimension files it refers to by key; tier 4 adds an archive
    file of the same shape (a distractor), messy names in one category column and sometimes numeric ids."""
    dom = rng.choice(DOMAINS)
    F = dom["fact"]
    ds = Dataset()
    folder = "data/" if tier == 4 and rng.random() < 0.5 else ""
    fact_fmt = rng.choice(["csv", "json"])
    other_fmt = "json" if fact_fmt == "csv" else "csv"
    numeric_ids = tier == 4 and rng.random() < 0.5
    dims = dom["dims"] if tier == 4 else [rng.choice(dom["dims"])]
    if tier == 4:
        dims = rng.sample(dims, 2)
    dim_tables = []
    dims_keys = []
    for j, spec in enumerate(dims):
        n = rng.randint(6, 14) if tier == 3 else rng.randint(8, 16)
        key_name = spec["key"][0] if tier == 3 or rng.random() < 0.6 else "id"
        rows, columns, decimals = make_dim(rng, spec, n, numeric_ids, rng.randrange(0, 60), key_name)
        fmt = other_fmt if j == 0 else rng.choice(["csv", "json"])
        stem = rng.choice(spec["stems"])
        table = Table(f"{folder}{stem}.{fmt}", fmt, columns, rows, decimals, rng.sample(MISSING_TOKENS, 2),
                      json_key=rng.choice([None, stem]), drop_missing_keys=True)
        dim_tables.append((table, spec, spec["key"][0], key_name, stem.replace("-", "_")))
        dims_keys.append((spec["key"][0], [r[key_name] for r in rows]))
    n = rng.randint(40, 90) if tier == 3 else rng.randint(100, 200)
    year = rng.randint(2019, 2024)
    first = rng.randint(1, 7)
    months = list(range(first, first + rng.randint(3, 6)))
    missing_p = rng.uniform(0.06, 0.14)
    rows = make_fact_rows(rng, F, n, dims_keys=dims_keys, date_info=(year, months), missing_p=missing_p, cats_k=(2, 4))
    stem = rng.choice(F["stems"])
    id_col, text_col = F["id"][0], F["text"][0]
    columns = [id_col, "date", *[fk for fk, _ in dims_keys], *F["cats"], *F["nums"], text_col]
    decimals = {c: spec[2] for c, spec in F["nums"].items()}
    ds.fact = Table(f"{folder}{stem}.{fact_fmt}", fact_fmt, columns, rows, decimals, rng.sample(MISSING_TOKENS, rng.randint(1, 3)),
                    json_key=rng.choice([None, stem]), drop_missing_keys=True)
    ds.dims = dim_tables
    ds.tables = [ds.fact, *[t for t, *_ in dim_tables]]
    if tier == 4:
        archive_rows = make_fact_rows(rng, F, rng.randint(30, 60), dims_keys=dims_keys, date_info=(year - 1, months),
                                      missing_p=missing_p, cats_k=(2, 4))
        ds.archive = Table(f"{folder}{stem}_{year - 1}.{fact_fmt}", fact_fmt, columns, archive_rows, decimals,
                           ds.fact.missing_tokens, json_key=ds.fact.json_key, drop_missing_keys=True)
        ds.tables.append(ds.archive)
    ds.kinds = {id_col: "id", "date": "date", text_col: "text", **{c: "cat" for c in F["cats"]},
                **{c: "num" for c in F["nums"]}, **{fk: "id" for fk, _ in dims_keys}}
    ds.decimals = dict(decimals)
    ds.nouns = {c: c for c in columns}
    for table, spec, fk, key_name, var in dim_tables:
        for c in spec["cats"]:
            ds.kinds[f"{var}.{c}"] = "cat"
            ds.nouns[f"{var}.{c}"] = f"{spec['noun']}'s {c}"
        for c, num in spec["nums"].items():
            ds.kinds[f"{var}.{c}"] = "dimnum"
    ds.rows = join_rows(ds, ds.fact.rows)
    ds.archive_rows = join_rows(ds, ds.archive.rows) if ds.archive else None
    ds.domain = dom
    ds.fact_noun = F["noun"]
    ds.products = [p for p in F["products"]]
    return ds


def join_rows(ds, fact_rows):
    index = []
    for table, spec, fk, key_name, var in ds.dims:
        index.append((fk, var, {r[key_name]: r for r in table.rows}, list(spec["cats"]) + list(spec["nums"])))
    joined = []
    for r in fact_rows:
        row = {c: r.get(c) for c in ds.fact.columns}
        for fk, var, by_key, cols in index:
            match = by_key.get(r.get(fk), {})
            for c in cols:
                row[f"{var}.{c}"] = match.get(c)
        joined.append(row)
    return joined


def add_noise(rng, ds, column):
    """Writes the category names of a joined column carelessly in its file (the evaluator then compares them
    normalised, as the prompt tells the agent to)."""
    if "." in column:
        var, col = column.split(".", 1)
        table = next(t for t, _s, _fk, _k, v in ds.dims if v == var)
    else:
        table, col = ds.fact, column
    for row in table.rows:
        if row.get(col) is not None and rng.random() < 0.4:
            row[col] = noisy(rng, row[col])
    ds.rows = join_rows(ds, ds.fact.rows)
    if ds.archive:
        ds.archive_rows = join_rows(ds, ds.archive.rows)


# ---------------------------------------------------------------------------------------------------------------
# Questions


def columns_of(ds, kind):
    return [c for c, k in ds.kinds.items() if k == kind and any(r.get(c) is not None for r in ds.rows)]


def values_of(ds, column):
    seen = []
    for r in ds.rows:
        v = r.get(column)
        if v is not None and v not in seen:
            seen.append(v)
    return seen


def pick_value(rng, ds):
    if ds.products and rng.random() < 0.5:
        a, b, word = rng.choice(ds.products)
        return ("mul", a, b, word)
    return ("col", rng.choice(columns_of(ds, "num")))


def eq_filter(rng, ds, column):
    return ("eq", column, rng.choice(values_of(ds, column)))


def ge_filter(rng, ds, column):
    values = sorted(v for v in (r.get(column) for r in ds.rows) if v is not None)
    return ("ge", column, values[rng.randint(len(values) // 4, (3 * len(values)) // 4)])


def month_filter(rng, ds):
    months = sorted({r["date"][:7] for r in ds.rows})
    return ("month", "date", rng.choice(months))


def make_question(rng, ds, tier):
    q = {"value": None, "agg": "sum", "filters": [], "group": None, "normalize": False}
    if tier == 0:
        q["value"] = ("col", rng.choice(columns_of(ds, "num")))
        return q
    cats = columns_of(ds, "cat")
    nums = columns_of(ds, "num")
    q["value"] = pick_value(rng, ds)
    if tier == 1:
        q["agg"] = rng.choice(["sum", "mean"]) if q["value"][0] == "col" else "sum"
        form = rng.randrange(3)
        if form == 0 or not ds.products and form == 2:
            q["filters"] = [eq_filter(rng, ds, rng.choice(cats))]
        elif form == 1:
            other = [c for c in nums if c not in q["value"][1:3]]
            q["filters"] = [ge_filter(rng, ds, rng.choice(other))] if other else [eq_filter(rng, ds, rng.choice(cats))]
        elif form == 2:
            q["value"] = pick_value(rng, ds) if not ds.products else ("mul", *ds.products[0])
        return q
    q["agg"] = rng.choice(["sum", "mean", "median"])
    if tier == 2:
        if rng.random() < 0.5:
            q["group"] = {"col": rng.choice(cats), "select": rng.choice(["max", "min"])}
            if rng.random() < 0.4:
                q["filters"] = [eq_filter(rng, ds, rng.choice([c for c in cats if c != q["group"]["col"]] or cats))]
        else:
            first = eq_filter(rng, ds, rng.choice(cats))
            q["filters"] = [first]
            if rng.random() < 0.6:
                other = [c for c in nums if c not in q["value"][1:3]]
                if other:
                    q["filters"].append(ge_filter(rng, ds, rng.choice(other)))
        return q
    fact_cats = [c for c in cats if "." not in c]
    dim_cats = [c for c in cats if "." in c]
    if tier == 3:
        if rng.random() < 0.5:
            q["filters"] = [eq_filter(rng, ds, rng.choice(dim_cats))]
            if rng.random() < 0.6:
                q["filters"].append(eq_filter(rng, ds, rng.choice(fact_cats)))
        else:
            q["group"] = {"col": rng.choice(dim_cats), "select": rng.choice(["max", "min"])}
            if rng.random() < 0.7:
                q["filters"] = [eq_filter(rng, ds, rng.choice(fact_cats))]
        return q
    # Tier 4: a month, a category of the fact, a category of one dimension; grouped by the other dimension's.
    group_dim, filter_dim = rng.sample([v for _t, _s, _fk, _k, v in ds.dims], 2)
    group_col = rng.choice([c for c in dim_cats if c.startswith(group_dim + ".")])
    filters = [month_filter(rng, ds), eq_filter(rng, ds, rng.choice(fact_cats))]
    filters.append(eq_filter(rng, ds, rng.choice([c for c in dim_cats if c.startswith(filter_dim + ".")])))
    q["filters"] = rng.sample(filters, rng.randint(2, 3))
    if rng.random() < 0.8:
        select = rng.choice(["max", "min", "range", "ratio"])
        q["group"] = {"col": group_col, "select": select}
        if select == "ratio":
            a, b = rng.sample(values_of(ds, group_col), 2)
            q["group"]["a"], q["group"]["b"] = a, b
    else:
        q["filters"] = filters
    return q


def mutants_of(q, ds, rng):
    """Near-miss variants of q, each (name, variant spec or a callable giving the value)."""
    out = []
    for i, (kind, column, wanted) in enumerate(q["filters"]):
        label = {"eq": f"{column} = {wanted}", "ge": f"{column} >= {wanted}", "month": f"month {wanted}"}[kind]
        out.append((f"the filter {label} left out", {**q, "filters": q["filters"][:i] + q["filters"][i + 1:]}))
        if kind == "eq":
            others = [v for v in values_of(ds, column) if canon(v, {"normalize": True}) != canon(wanted, {"normalize": True})]
            if others:
                changed = list(q["filters"])
                changed[i] = ("eq", column, rng.choice(others))
                out.append((f"another {column} than {wanted}", {**q, "filters": changed}))
        if kind == "ge":
            out.append((f"{column} > {wanted} instead of at least", {**q, "strict_ge": True}))
    swaps = {"sum": ["mean"], "mean": ["sum", "median"], "median": ["mean"]}
    for other in swaps[q["agg"]]:
        out.append((f"the {other} instead of the {q['agg']}", {**q, "agg": other}))
    out.append(("missing values counted as 0", {**q, "zero_missing": True}))
    if q["value"][0] == "mul":
        out.append((f"{q['value'][1]} alone, not times {q['value'][2]}", {**q, "value": ("col", q["value"][1])}))
        out.append((f"{q['value'][2]} alone, not times {q['value'][1]}", {**q, "value": ("col", q["value"][2])}))
    if q["group"]:
        select = q["group"]["select"]
        alternatives = {"max": ["min", "second"], "min": ["max"], "range": ["max", "min"], "ratio": ["inverse"]}[select]
        for other in alternatives:
            out.append((f"group selection {other} instead of {select}", {**q, "group": {**q["group"], "select": other}}))
        if select in ("max", "min"):
            out.append(("no grouping: over all picked rows", {**q, "group": None}))
    if q.get("normalize"):
        out.append(("names compared exactly, not ignoring case and spaces", {**q, "exact_match": True}))
    out.append(("the first data row skipped (read as a header)", {**q, "skip_first": True}))
    out.append(("the last row left out", {**q, "skip_last": True}))
    if ds.archive_rows:
        out.append(("computed over the archive file", lambda: evaluate(q, ds.archive_rows)))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Prompts


def number_text(ds, column, value):
    d = ds.decimals.get(column, 0)
    return f"{value:.{d}f}" if d else str(value)


def value_text(spec):
    if spec[0] == "col":
        return spec[1]
    return f"{spec[3]} ({spec[1]} multiplied by {spec[2]})"


AGG_TEXT = {"sum": "total", "mean": "average (mean)", "median": "median"}


def month_text(wanted):
    year, month = wanted.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


def scope_text(ds, q, noun):
    """The rows a question takes: "the orders in orders.csv dated in May 2022 whose status is completed and ..."."""
    scope = f"the {noun} in {ds.fact.path}"
    months = [f for f in q["filters"] if f[0] == "month"]
    others = [f for f in q["filters"] if f[0] != "month"]
    if months:
        scope += f" dated in {month_text(months[0][2])}"
    if others:
        scope += " " + " and ".join(filter_text(ds, f) for f in others)
    return scope if q["filters"] else f"all the {noun} in {ds.fact.path}"


def filter_text(ds, f):
    kind, column, wanted = f
    if kind == "ge":
        return f"whose {column} is at least {number_text(ds, column, wanted)}"
    return f"whose {ds.nouns[column]} is {wanted.strip() if isinstance(wanted, str) else wanted}"


def join_list(parts):
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


ROUNDING = "Submit the answer as a number rounded to 2 decimal places."
MISSING_RULE = (
    "Some values are missing (an empty cell, NA or n/a in a CSV file; null or an absent key in a JSON file): "
    "leave out the rows where a value you need is missing."
)


def prompt_of(ds, q, tier):
    fact = ds.fact.path
    value = value_text(q["value"])
    if tier == 0:
        # The call spelled out, as one line with single quotes only, so it copies straight into a JSON string.
        return f'Call run_python with code "{t0_code(ds, q)}", then submit the number it returns as the answer.'
    noun = "rows" if tier == 1 else f"{ds.fact_noun}s" if not ds.fact_noun.endswith("y") else f"{ds.fact_noun[:-1]}ies"
    parts = []
    if tier >= 3:
        held = [f"{fact} (one row per {ds.fact_noun})", *[t.path for t, *_ in ds.dims]]
        joins = "; ".join(
            f"{fk} refers to a {spec['noun']} in {t.path} (matched on that file's {key})"
            for t, spec, fk, key, _v in ds.dims
        )
        parts.append(f"The work directory holds {join_list(held)}. In {fact}, {joins}.")
    scope = scope_text(ds, q, noun)
    if q["group"]:
        g = ("the " if "." in q["group"]["col"] else "") + ds.nouns[q["group"]["col"]]
        parts.append(f"Take {scope}, group them by {g}, and compute the {AGG_TEXT[q['agg']]} {value} of each group.")
        select = q["group"]["select"]
        if select == "max":
            parts.append("What is the largest of these group values? Submit that value, not the group's name.")
        elif select == "min":
            parts.append("What is the smallest of these group values? Submit that value, not the group's name.")
        elif select == "range":
            parts.append("What is the largest group value minus the smallest one?")
        else:
            parts.append(f"What is the value of the group {q['group']['a']} divided by the value of the group {q['group']['b']}?")
    else:
        parts.append(f"What is the {AGG_TEXT[q['agg']]} {value} of {scope}?")
    if q.get("normalize"):
        column = ds.nouns[q["noisy"]]
        parts.append(f"The {column} names are written inconsistently (upper or lower case, extra spaces): "
                     f"treat names that differ only in that way as the same.")
    if tier >= 2:
        parts.append(MISSING_RULE)
    parts.append("You can run Python code with the run_python tool. " + ROUNDING)
    return " ".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# Reference code


HELPERS = '''import csv
import json
import statistics

MISSING = {"", "na", "n/a", "null", "none"}


def load(path):
    """The rows of a CSV file, or the list of records in a JSON file."""
    with open(path, newline="", encoding="utf-8") as f:
        if path.endswith(".csv"):
            return list(csv.DictReader(f))
        data = json.load(f)
    if isinstance(data, dict):
        data = next(v for v in data.values() if isinstance(v, list))
    return data


def num(v):
    if v is None or str(v).strip().lower() in MISSING:
        return None
    return float(v)


def key(v):
    return None if v is None else str(v).strip()


def norm(v):
    return None if v is None else str(v).strip().lower()

'''

AGG_CODE = {"sum": "sum(vs)", "mean": "sum(vs) / len(vs)", "median": "statistics.median(vs)"}


def ref_code(ds, column):
    if "." in column:
        var, col = column.split(".", 1)
        return f"{var}_row.get({col!r})"
    return f"r.get({column!r})"


def t0_code(ds, q):
    """Tier 0's one-line program: the sum of the whole numbers in a file, one a line (the tool shows its value)."""
    path = ds.fact.path
    assert "'" not in path and '"' not in path and "\\" not in path
    return f"sum(map(int, open('{path}')))"


def t0_printed(text):
    """What the run_python tool shows for t0_code over the file's text."""
    return str(sum(map(int, text.splitlines())))


def reference_code(ds, q, tier):
    if tier == 0:
        return t0_code(ds, q)
    used = []
    for column in [f[1] for f in q["filters"]] + ([q["group"]["col"]] if q["group"] else []):
        if "." in column and column.split(".")[0] not in used:
            used.append(column.split(".")[0])
    lines = [HELPERS, f"rows = load({ds.fact.path!r})"]
    for table, _spec, fk, key_name, var in ds.dims:
        if var in used:
            lines.append(f"{var} = {{key(d.get({key_name!r})): d for d in load({table.path!r})}}")
    lines.append("groups = {}" if q["group"] else "values = []")
    lines.append("for r in rows:")
    for table, _spec, fk, key_name, var in ds.dims:
        if var in used:
            lines.append(f"    {var}_row = {var}.get(key(r.get({fk!r}))) or {{}}")
    for kind, column, wanted in q["filters"]:
        ref = ref_code(ds, column)
        if kind == "eq":
            lines.append(f"    if norm({ref}) != {wanted.strip().lower()!r}:\n        continue")
        elif kind == "ge":
            lines.append(f"    x = num({ref})\n    if x is None or x < {wanted!r}:\n        continue")
        else:
            lines.append(f"    if not str({ref} or '').startswith({wanted!r}):\n        continue")
    spec = q["value"]
    if spec[0] == "col":
        lines.append(f"    v = num({ref_code(ds, spec[1])})\n    if v is None:\n        continue")
    else:
        lines.append(f"    a, b = num({ref_code(ds, spec[1])}), num({ref_code(ds, spec[2])})\n"
                     f"    if a is None or b is None:\n        continue\n    v = a * b")
    if q["group"]:
        lines.append(f"    g = norm({ref_code(ds, q['group']['col'])})\n    if g is None:\n        continue")
        lines.append("    groups.setdefault(g, []).append(v)")
        lines.append(f"per_group = {{g: {AGG_CODE[q['agg']]} for g, vs in groups.items()}}")
        lines.append("print(per_group)")
        select = q["group"]["select"]
        if select == "max":
            lines.append("answer = max(per_group.values())")
        elif select == "min":
            lines.append("answer = min(per_group.values())")
        elif select == "range":
            lines.append("answer = max(per_group.values()) - min(per_group.values())")
        else:
            a, b = q["group"]["a"].strip().lower(), q["group"]["b"].strip().lower()
            lines.append(f"answer = per_group[{a!r}] / per_group[{b!r}]")
    else:
        lines.append("    values.append(v)")
        lines.append(f"vs = values\nprint(len(vs), 'values')\nanswer = {AGG_CODE[q['agg']]}")
    lines.append("print(round(answer, 2))")
    return "\n".join(lines) + "\n"


def explore_code(ds):
    paths = [t.path for t in ds.tables if t is not ds.archive]
    return (
        HELPERS
        + f"for path in {paths!r}:\n"
        + "    rows = load(path)\n"
        + "    print(path, len(rows), 'rows; columns:', list(rows[0]))\n"
        + "    print('  first row:', rows[0])\n"
    )


# ---------------------------------------------------------------------------------------------------------------
# The task


def call(name, **arguments):
    return {"name": name, "arguments": arguments}


def submit_schema(description):
    return {
        "type": "object",
        "properties": {"answer": {"type": "string", "maxLength": 40, "description": description}},
        "required": ["answer"],
        "additionalProperties": False,
    }


SUBMIT_SCHEMA = submit_schema("the number, rounded to 2 decimal places")
# Tier 0's answer is the whole number its code prints. Asked for "rounded to 2 decimal places", SmolLM2 copied that
# number into submit in 4 of 48 samples, told "digits only" in 9 of 48.
SUBMIT_SCHEMA_T0 = submit_schema("the number, digits only")


def numbers_in(text):
    found = []
    for token in re.findall(r"[0-9]+(?:\.[0-9]+)?", text):
        try:
            found.append(float(token))
        except ValueError:
            pass
    return found


def scale_of(ds, q, exact):
    """An upper end of the range a plausible answer falls in, from the data alone."""
    base = {**q, "filters": [], "group": None}
    if q["group"] and q["group"]["select"] == "ratio":
        return max(10.0, 3 * exact)
    values = [value_of(q["value"], r, False) for r in ds.rows]
    values = [v for v in values if v is not None]
    if q["agg"] == "sum":
        top = evaluate({**base, "agg": "sum"}, ds.rows) or 0
    else:
        top = max(values)
    return max(top * 1.1, exact * 1.5, 5.0)


def candidates_of(ds, q, exact, mutant_values):
    """Every value a guess would pick among: a grid over [0, scale] through the exact answer's hundredth (so a
    guess cannot tell the answer by the grid), the mutants' answers and the visible values of the column."""
    hi = int(scale_of(ds, q, exact) * 100)
    step = max(1, math.ceil(hi / MAX_CANDIDATES))
    answer = int(round(exact * 100))
    grid = list(range(answer % step, hi + 1, step))
    if len(grid) < MIN_CANDIDATES:
        grid = list(range(answer % step, answer % step + MIN_CANDIDATES * step, step))
    seen = {cents_text(c) for c in grid}
    extra = [as_answer(v) for v in mutant_values]
    if q["value"][0] == "col":
        extra += [as_answer(r[q["value"][1]]) for r in ds.rows if isinstance(r.get(q["value"][1]), (int, float))]
    out = [cents_text(c) for c in grid]
    for e in extra:
        if e not in seen:
            seen.add(e)
            out.append(e)
    return out


def file_fact_schema(text):
    data = text.encode("utf-8")
    return {
        "type": "object",
        "required": ["type", "size", "sha256"],
        "properties": {
            "type": {"const": "file"},
            "size": {"const": len(data)},
            "sha256": {"const": hashlib.sha256(data).hexdigest()},
        },
    }


def outcome_schema(pattern, files):
    return {
        "$schema": SCHEMA,
        "type": "object",
        "required": ["submitted", "state"],
        "properties": {
            "submitted": {
                "type": "object",
                "required": ["answer"],
                "properties": {"answer": {"type": "string", "pattern": pattern}},
            },
            "state": {
                "type": "object",
                "required": ["files"],
                "properties": {
                    "files": {
                        "type": "object",
                        "required": sorted(files),
                        "properties": {path: file_fact_schema(text) for path, text in files.items()},
                    },
                },
            },
        },
    }


def min_rows(tier):
    return 2 if tier <= 1 else 3


def attempt(rng, tier):
    """One draw of data and question; None when it does not make a sound task (the caller draws again)."""
    ds = build_flat(rng, tier) if tier <= 2 else build_joined(rng, tier)
    q = make_question(rng, ds, tier)
    if tier == 4 and rng.random() < 0.6:
        noisy_cols = [f[1] for f in q["filters"] if f[0] == "eq"] + ([q["group"]["col"]] if q["group"] else [])
        q["noisy"] = rng.choice(noisy_cols)
        q["normalize"] = True
        add_noise(rng, ds, q["noisy"])
    exact, count, totals = evaluate(q, ds.rows, details=True)
    if exact is None or count < min_rows(tier) or not 0.5 <= exact < 1e7:
        return None
    if q["group"]:
        if len(totals) < 2:
            return None
    files = {t.path: t.text(rng) for t in ds.tables}
    prompt = prompt_of(ds, q, tier)
    # No number the agent sees (in the files, in the prompt) may pass for the answer.
    visible = numbers_in(prompt) + [x for text in files.values() for x in numbers_in(text)]
    if any(abs(x - exact) <= SEPARATION for x in visible):
        return None
    # Every filter must matter, and the near misses must be told apart from the answer.
    mutants, taken = [], set()
    for name, variant in mutants_of(q, ds, rng):
        value = variant() if callable(variant) else evaluate(variant, ds.rows)
        dropped_filter = name.startswith("the filter ")
        if value is None or abs(value - exact) <= SEPARATION:
            if dropped_filter:
                return None
            continue
        text = as_answer(value)
        if text in taken:
            continue
        taken.add(text)
        mutants.append((name, value))
    if len(mutants) < 2:
        return None
    return ds, q, exact, files, prompt, mutants


def draw(seed, tier, index):
    """The task's data, question and exact answer: (rng, dataset, q, exact, files, prompt, mutants)."""
    if not isinstance(tier, int) or not 0 <= tier <= MAX_TIER:
        raise ValueError(f"data-interpreter: tier {tier!r} does not exist (tiers are 0..{MAX_TIER})")
    # Seeding with a string hashes it (SHA-512), so streams are stable across Python versions and never collide.
    rng = random.Random(f"data-interpreter#{seed}#{tier}#{index}")
    for _ in range(500):
        made = attempt(rng, tier)
        if made:
            return (rng, *made)
    raise RuntimeError(f"data-interpreter: no sound task for seed {seed}, tier {tier}, index {index}")


def make_task(seed, tier, index):
    rng, ds, q, exact, files, prompt, mutants = draw(seed, tier, index)
    code = reference_code(ds, q, tier)
    submit = lambda value: call("submit", answer=value)  # noqa: E731
    fact = ds.fact.path
    if tier == 0:
        work = [call("run_python", code=code)]
    elif tier == 1:
        work = [call("read_file", path=fact), call("run_python", code=code)]
    elif tier == 2:
        work = [call("list_files"), call("read_file", path=fact), call("run_python", code=code)]
    elif tier == 3:
        work = [call("list_files"), *[call("read_file", path=t.path) for t in ds.tables], call("run_python", code=code)]
    else:
        reads = [call("read_file", path=t.path) for t in ds.tables if t is not ds.archive]
        work = [call("list_files"), *reads, call("run_python", code=explore_code(ds)), call("run_python", code=code)]
    keep = 3 if tier == 0 else 4 if tier <= 2 else 5
    chosen = mutants[:2] + rng.sample(mutants[2:], min(len(mutants) - 2, keep - 2))
    answer = as_answer(exact)
    if tier == 0:
        # The reference submits just what the spelled-out code shows, as a model would.
        answer = t0_printed(files[fact])
        if not re.search(interval_pattern(exact), answer):
            raise RuntimeError(f"data-interpreter: tier 0 prints {answer!r}, outside the answer's interval")
    return {
        "prompt": prompt,
        # Tier 0 offers only the call its prompt spells out (and submit).
        "tools": ["run_python"] if tier == 0 else ["list_files", "read_file", "run_python"],
        "submit": SUBMIT_SCHEMA_T0 if tier == 0 else SUBMIT_SCHEMA,
        "files": files,
        "reference": [*work, submit(answer)],
        "outcomeSchema": outcome_schema(interval_pattern(exact), files),
        "mutants": [{"name": name, "calls": [*work, submit(as_answer(value))]} for name, value in chosen],
        "guess": {"field": "answer", "candidates": candidates_of(ds, q, exact, [v for _n, v in mutants])},
    }
