"""The tasks of the `sql-analytics` environment, deterministic from (seed, tier, index). Private to the verifier.

A task asks one question about a generated shop database (shop.db in the agent's /work) whose answer is exact: an
integer, a decimal rounded to 2 places, or a name. The answer is computed by running the reference SQL on the very
database setup writes, and each mutant's answer by running near-miss SQL on it (a forgotten filter, a date bound
off by one day, rows counted instead of distinct customers, the runner-up); a mutant whose answer happens to equal
the right one is left out, and a draw left with fewer than two mutants is drawn again.

The outcome schema accepts the exact answer (any case and spacing for names, trailing zeros for decimals) and
requires the database file to be the one setup wrote: its size and sha256 as the probe reads them.

Tiers: 0 the SQL is spelled out (one query, one table named); 1 a one-table question in words, table named;
2 one table with several conditions (dates, thresholds, averages) among distractor tables, table not named;
3 two-table joins with grouping (distinct counts, sums, the top customer or product by name);
4 joins over four or five tables with regions, statuses and dates, HAVING, distractor tables and columns.
"""
import hashlib
import random
import re

from sqla_data import STATUSES, build_database, database_bytes

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
DB_NAME = "shop.db"
MAX_TIER = 4
# The query tool's row cap (tools/sql_tool.py MAX_ROWS): what "the rows one page shows" amounts to.
ROWS_SHOWN = 30
INT_WINDOW = 300
# Counts below this are left out: a small number is too easy to guess.
MIN_INT = 10
CENT_WINDOW = 300
MAX_ATTEMPTS = 400
MONTHS = [
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November",
    "December",
]
ALL_TOOLS = ["list_tables", "describe_table", "query"]
INTRO = (
    "The SQLite database shop.db holds a shop's data. Use list_tables, describe_table and query "
    "(read-only SQL) to answer. "
)
FORMAT = {
    "int": "Submit the number as the answer.",
    "dec": "Submit the rounded number as the answer.",
    "name": "Submit the {entity}'s name as the answer.",
}
SUBMIT_DESCRIPTION = {
    "int": "the number, digits only",
    "dec": "the number rounded to 2 decimal places",
    "name": "the name exactly as stored in the database",
}


class Reject(Exception):
    """This draw makes no sound question (an empty result, a tie, too few distinct mutants): draw again."""


def call(tool, **arguments):
    return {"name": tool, "arguments": arguments}


def task_rng(seed, tier, index):
    # Seeding with a string hashes it (SHA-512): stable across Python versions and runs.
    return random.Random(f"sql-analytics#{seed}#{tier}#{index}")


# ---- answers: formats, patterns, candidates ------------------------------------------------------------------


def fmt_int(value):
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Reject("not an integer")
    return str(value)


def fmt_dec(value):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise Reject("not a number")
    return f"{value:.2f}"


def fmt(kind, value):
    if kind == "int":
        return fmt_int(value)
    if kind == "dec":
        return fmt_dec(value)
    if not isinstance(value, str) or not value:
        raise Reject("not a name")
    return value


def any_case(word):
    """A case-insensitive pattern: JSON Schema regexes take no flags, so each letter gets a class."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.lower() != c.upper() else re.escape(c) for c in word)


def answer_pattern(kind, answer):
    """The submitted strings that are the answer: the exact value, white space around it allowed; for decimals any
    trailing zeros; for names any case and any spacing between the words."""
    if kind == "int":
        return f"^\\s*{answer}(\\.0*)?\\s*$"
    if kind == "dec":
        whole, frac = answer.split(".")  # digits only: answers are positive
        frac = frac.rstrip("0")
        return f"^\\s*{whole}\\.{frac}0*\\s*$" if frac else f"^\\s*{whole}(\\.0*)?\\s*$"
    return "^\\s*" + "\\s+".join(any_case(part) for part in answer.split()) + "\\s*$"


def cents_text(cents):
    return f"{cents // 100}.{cents % 100:02d}"


def candidates(q, answer, mutant_values):
    """What a guess picks from, given what the tools show: a run of integers (or of cents) around the size of the
    answer for numbers, every stored name for names; plus the near misses."""
    if q["kind"] == "int":
        n = int(answer)
        found = [str(i) for i in range(max(0, n - INT_WINDOW), n + INT_WINDOW + 1)]
    elif q["kind"] == "dec":
        cents = round(float(answer) * 100)
        found = [cents_text(i) for i in range(max(0, cents - CENT_WINDOW), cents + CENT_WINDOW + 1)]
    else:
        found = list(q["names"])
    seen = set(found)
    for value in mutant_values:
        if value not in seen:
            seen.add(value)
            found.append(value)
    return found


# ---- the question context -----------------------------------------------------------------------------------


class Context:
    def __init__(self, conn, tables, rows, tier):
        self.conn, self.tables, self.rows, self.tier = conn, tables, rows, tier

    def all(self, sql):
        return self.conn.execute(sql).fetchall()

    def scalar(self, sql):
        rows = self.all(sql)
        if not rows or rows[0][0] is None:
            raise Reject("empty result")
        return rows[0][0]

    def distinct(self, table, column):
        return [r[0] for r in self.all(f"SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL ORDER BY 1")]

    def need(self, *tables):
        if any(t not in self.tables for t in tables):
            raise Reject("table missing")

    def names(self, table):
        return [r[0] for r in self.all(f"SELECT name FROM {table} ORDER BY id")]


def question(kind, text, sql, mutants, describe=(), explore=(), raw=None, entity=None, names=None):
    return {
        "kind": kind, "text": text, "sql": sql, "mutants": mutants, "describe": list(describe),
        "explore": list(explore), "raw": raw, "entity": entity, "names": names,
    }


def mutant(name, sql, value=None, pick=0):
    """A near miss: the query it runs, and either the value it then submits or the row of the result it takes."""
    return {"name": name, "sql": sql, "value": value, "pick": pick}


def year_bounds(year):
    return f"{year}-01-01", f"{year + 1}-01-01"


def month_bounds(year, month):
    end = f"{year + 1}-01-01" if month == 12 else f"{year}-{month + 1:02d}-01"
    return f"{year}-{month:02d}-01", end


def middle(values):
    values = sorted(values)
    if len(values) < 5:
        raise Reject("too few values")
    return values[len(values) // 5: (4 * len(values)) // 5 + 1]


def choose(rng, options):
    """One of the options; none (the tables they need are not in this database) rejects the draw."""
    if not options:
        raise Reject("no option")
    return rng.choice(options)


def spelled(sql):
    return f'Call query with sql "{sql}", then submit the number it returns as the answer.'


FILTER_FIELDS = [
    ("orders", "status"), ("orders", "channel"), ("customers", "segment"), ("customers", "city"), ("products", "category"),
]
SUM_FIELDS = [("order_items", "quantity"), ("products", "stock"), ("customers", "loyalty_points")]
DATE_FIELDS = [("orders", "order_date"), ("customers", "signup_date")]
LOOKUP_FIELDS = [("products", "stock"), ("customers", "loyalty_points")]
FILTER_PHRASES = {
    ("orders", "status"): "How many orders in the orders table have the status '{v}'?",
    ("orders", "channel"): "How many orders in the orders table were placed through the channel '{v}'?",
    ("customers", "segment"): "How many customers in the customers table are in the segment '{v}'?",
    ("customers", "city"): "How many customers in the customers table live in the city '{v}'?",
    ("products", "category"): "How many products in the products table are in the category '{v}'?",
}


# ---- tier 0: the SQL spelled out -----------------------------------------------------------------------------


def t0_count(rng, c):
    table, other = rng.sample(c.tables, 2)
    sql = f"SELECT COUNT(*) FROM {table}"
    n = c.scalar(sql)
    return question("int", spelled(sql), sql, [
        mutant("counted the other table", f"SELECT COUNT(*) FROM {other}"),
        mutant("counted the rows one page of output shows", f"SELECT * FROM {table}", value=str(ROWS_SHOWN)),
        mutant("one less", sql, value=str(n - 1)),
    ])


def t0_count_where(rng, c):
    table, column = choose(rng, [f for f in FILTER_FIELDS if f[0] in c.tables])
    values = c.distinct(table, column)
    if len(values) < 2:
        raise Reject("one value")
    value, other = rng.sample(values, 2)
    sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = '{value}'"
    return question("int", spelled(sql), sql, [
        mutant("filter left out", f"SELECT COUNT(*) FROM {table}"),
        mutant("another value", f"SELECT COUNT(*) FROM {table} WHERE {column} = '{other}'"),
    ])


def t0_sum(rng, c):
    table, column = choose(rng, [f for f in SUM_FIELDS if f[0] in c.tables])
    sql = f"SELECT SUM({column}) FROM {table}"
    return question("int", spelled(sql), sql, [
        mutant("counted rows", f"SELECT COUNT(*) FROM {table}"),
        mutant("took the largest value", f"SELECT MAX({column}) FROM {table}"),
    ])


def t0_lookup(rng, c):
    table, column = choose(rng, [f for f in LOOKUP_FIELDS if f[0] in c.tables])
    n = c.scalar(f"SELECT COUNT(*) FROM {table}")
    i = rng.randint(2, n - 1)
    sql = f"SELECT {column} FROM {table} WHERE id = {i}"
    return question("int", spelled(sql), sql, [
        mutant("the row before", f"SELECT {column} FROM {table} WHERE id = {i - 1}"),
        mutant("the row after", f"SELECT {column} FROM {table} WHERE id = {i + 1}"),
    ])


def t0_threshold(rng, c):
    table, column, op, _text = choose(rng, [f for f in THRESHOLDS if f[0] in c.tables])
    x = rng.choice(middle(c.distinct(table, column)))
    shown = f"{x:.2f}" if column == "list_price" else str(x)
    sql = f"SELECT COUNT(*) FROM {table} WHERE {column} {op} {shown}"
    return question("int", spelled(sql), sql, [
        mutant("bound included", f"SELECT COUNT(*) FROM {table} WHERE {column} {op}= {shown}"),
        mutant("filter left out", f"SELECT COUNT(*) FROM {table}"),
    ])


def t0_since(rng, c):
    table, column = choose(rng, [f for f in DATE_FIELDS if f[0] in c.tables])
    since = rng.choice(middle(c.distinct(table, column)))
    sql = f"SELECT COUNT(*) FROM {table} WHERE {column} >= '{since}'"
    return question("int", spelled(sql), sql, [
        mutant("first day left out", f"SELECT COUNT(*) FROM {table} WHERE {column} > '{since}'"),
        mutant("the other side", f"SELECT COUNT(*) FROM {table} WHERE {column} < '{since}'"),
        mutant("filter left out", f"SELECT COUNT(*) FROM {table}"),
    ])


# ---- tier 1: one table, named, in words ---------------------------------------------------------------------


def t1_rows(rng, c):
    table, other = rng.sample(c.tables, 2)
    sql = f"SELECT COUNT(*) FROM {table}"
    n = c.scalar(sql)
    return question("int", f"How many rows does the {table} table have?", sql, [
        mutant("counted another table", f"SELECT COUNT(*) FROM {other}"),
        mutant("counted the rows one page of output shows", f"SELECT * FROM {table}", value=str(ROWS_SHOWN)),
        mutant("one more", sql, value=str(n + 1)),
    ], describe=[table])


def t1_count_where(rng, c):
    table, column = choose(rng, [f for f in FILTER_FIELDS if f[0] in c.tables])
    values = c.distinct(table, column)
    if len(values) < 2:
        raise Reject("one value")
    value, other = rng.sample(values, 2)
    sql = f"SELECT COUNT(*) FROM {table} WHERE {column} = '{value}'"
    return question("int", FILTER_PHRASES[(table, column)].format(v=value), sql, [
        mutant("filter left out", f"SELECT COUNT(*) FROM {table}"),
        mutant("another value", f"SELECT COUNT(*) FROM {table} WHERE {column} = '{other}'"),
    ], describe=[table])


def t1_sum(rng, c):
    table, column = choose(rng, [f for f in SUM_FIELDS if f[0] in c.tables])
    sql = f"SELECT SUM({column}) FROM {table}"
    return question("int", f"What is the sum of the {column} column over all rows of the {table} table?", sql, [
        mutant("counted rows", f"SELECT COUNT(*) FROM {table}"),
        mutant("took the largest value", f"SELECT MAX({column}) FROM {table}"),
        mutant("took the average", f"SELECT CAST(AVG({column}) AS INTEGER) FROM {table}"),
    ], describe=[table])


THRESHOLDS = [
    ("products", "list_price", ">", "How many products in the products table have a list_price greater than {x}?"),
    ("customers", "loyalty_points", ">", "How many customers in the customers table have more than {x} loyalty points?"),
    ("products", "stock", "<", "How many products in the products table have fewer than {x} units in stock?"),
]


def t1_threshold(rng, c):
    table, column, op, text = choose(rng, [f for f in THRESHOLDS if f[0] in c.tables])
    x = rng.choice(middle(c.distinct(table, column)))
    shown = f"{x:.2f}" if column == "list_price" else str(x)
    sql = f"SELECT COUNT(*) FROM {table} WHERE {column} {op} {shown}"
    flipped = "<" if op == ">" else ">"
    return question("int", text.format(x=shown), sql, [
        mutant("bound included", f"SELECT COUNT(*) FROM {table} WHERE {column} {op}= {shown}"),
        mutant("the other side", f"SELECT COUNT(*) FROM {table} WHERE {column} {flipped} {shown}"),
        mutant("filter left out", f"SELECT COUNT(*) FROM {table}"),
    ], describe=[table])


LOOKUPS = [
    ("products", "stock", "How many units of the product named '{name}' are in stock (products table)?"),
    ("customers", "loyalty_points", "How many loyalty points does the customer named '{name}' have (customers table)?"),
]


def t1_lookup(rng, c):
    table, column, text = choose(rng, [f for f in LOOKUPS if f[0] in c.tables])
    n = c.scalar(f"SELECT COUNT(*) FROM {table}")
    i = rng.randint(2, n - 1)
    name = c.scalar(f"SELECT name FROM {table} WHERE id = {i}")
    sql = f"SELECT {column} FROM {table} WHERE name = '{name}'"
    return question("int", text.format(name=name), sql, [
        mutant("the row before", f"SELECT {column} FROM {table} WHERE id = {i - 1}"),
        mutant("the row after", f"SELECT {column} FROM {table} WHERE id = {i + 1}"),
        mutant("submitted its id", f"SELECT id FROM {table} WHERE name = '{name}'"),
    ], describe=[table])


def t1_max(rng, c):
    table, column = choose(rng, [f for f in LOOKUP_FIELDS if f[0] in c.tables])
    largest = rng.random() < 0.5
    fn, word = ("MAX", "largest") if largest else ("MIN", "smallest")
    order = "DESC" if largest else "ASC"
    sql = f"SELECT {fn}({column}) FROM {table}"
    return question("int", f"What is the {word} {column} value in the {table} table?", sql, [
        mutant("the other end", f"SELECT {'MIN' if largest else 'MAX'}({column}) FROM {table}"),
        mutant("the next value", f"SELECT DISTINCT {column} FROM {table} ORDER BY {column} {order} LIMIT 1 OFFSET 1"),
        mutant("summed instead", f"SELECT SUM({column}) FROM {table}"),
    ], describe=[table])


# ---- tier 2: one table, several conditions, distractor tables ------------------------------------------------


def period(rng):
    """A stretch of 2023-2024 as (words, first day, first day after): a quarter, a half or a whole year."""
    year = rng.choice([2023, 2024])
    kind = rng.choice(["quarter", "half", "year"])
    if kind == "quarter":
        q = rng.randint(1, 4)
        start = f"{year}-{3 * q - 2:02d}-01"
        end = f"{year + 1}-01-01" if q == 4 else f"{year}-{3 * q + 1:02d}-01"
        return f"quarter {q} of {year} ({start} up to but not including {end})", start, end
    if kind == "half":
        h = rng.randint(1, 2)
        start, end = (f"{year}-01-01", f"{year}-07-01") if h == 1 else (f"{year}-07-01", f"{year + 1}-01-01")
        return f"the {'first' if h == 1 else 'second'} half of {year} ({start} up to but not including {end})", start, end
    start, end = year_bounds(year)
    return str(year), start, end


def t2_period_status(rng, c):
    c.need("orders")
    words, start, end = period(rng)
    status = rng.choice(STATUSES)
    where = f"order_date >= '{start}' AND order_date < '{end}'"
    sql = f"SELECT COUNT(*) FROM orders WHERE status = '{status}' AND {where}"
    text = f"How many orders placed in {words} have the status '{status}'? Dates are stored as text YYYY-MM-DD."
    return question("int", text, sql, [
        mutant("end date included", f"SELECT COUNT(*) FROM orders WHERE status = '{status}' AND order_date >= '{start}' AND order_date <= '{end}'"),
        mutant("first day left out", f"SELECT COUNT(*) FROM orders WHERE status = '{status}' AND order_date > '{start}' AND order_date < '{end}'"),
        mutant("status ignored", f"SELECT COUNT(*) FROM orders WHERE {where}"),
        mutant("every other status", f"SELECT COUNT(*) FROM orders WHERE status <> '{status}' AND {where}"),
    ], describe=["orders"])


def t2_signups(rng, c):
    c.need("customers")
    segment = rng.choice(c.distinct("customers", "segment"))
    dates = [r[0] for r in c.all(f"SELECT signup_date FROM customers WHERE segment = '{segment}' ORDER BY signup_date")]
    if len(dates) < 8:
        raise Reject("few customers")
    i = rng.randrange(0, len(dates) // 2)
    j = rng.randrange(i + 3, len(dates))
    d1, d2 = dates[i], dates[j]
    base = f"SELECT COUNT(*) FROM customers WHERE segment = '{segment}'"
    sql = f"{base} AND signup_date BETWEEN '{d1}' AND '{d2}'"
    return question("int", f"How many customers in the '{segment}' segment signed up between {d1} and {d2}, both dates included?", sql, [
        mutant("both dates excluded", f"{base} AND signup_date > '{d1}' AND signup_date < '{d2}'"),
        mutant("end date excluded", f"{base} AND signup_date >= '{d1}' AND signup_date < '{d2}'"),
        mutant("segment ignored", f"SELECT COUNT(*) FROM customers WHERE signup_date BETWEEN '{d1}' AND '{d2}'"),
    ], describe=["customers"])


def t2_avg_price(rng, c):
    c.need("products")
    category = rng.choice(c.distinct("products", "category"))
    rest = f"FROM products WHERE category = '{category}' AND discontinued = 0"
    if c.scalar(f"SELECT COUNT(*) {rest}") < 3:
        raise Reject("few products")
    sql = f"SELECT ROUND(AVG(list_price), 2) {rest}"
    text = f"What is the average list_price of the products in the category '{category}' that are not discontinued (discontinued = 0)? Round it to 2 decimal places."
    return question("dec", text, sql, [
        mutant("discontinued included", f"SELECT ROUND(AVG(list_price), 2) FROM products WHERE category = '{category}'"),
        mutant("category ignored", "SELECT ROUND(AVG(list_price), 2) FROM products WHERE discontinued = 0"),
        mutant("highest price instead", f"SELECT MAX(list_price) {rest}"),
    ], describe=["products"], raw=f"SELECT AVG(list_price) {rest}")


def t2_shipping(rng, c):
    c.need("orders")
    channel = rng.choice(c.distinct("orders", "channel"))
    words, start, end = period(rng)
    dates = f"order_date >= '{start}' AND order_date < '{end}'"
    rest = f"FROM orders WHERE channel = '{channel}' AND {dates}"
    sql = f"SELECT ROUND(SUM(shipping_fee), 2) {rest}"
    text = f"What is the total shipping_fee of the orders placed through the channel '{channel}' in {words}? Round it to 2 decimal places."
    return question("dec", text, sql, [
        mutant("channel ignored", f"SELECT ROUND(SUM(shipping_fee), 2) FROM orders WHERE {dates}"),
        mutant("period ignored", f"SELECT ROUND(SUM(shipping_fee), 2) FROM orders WHERE channel = '{channel}'"),
        mutant("end date included", f"SELECT ROUND(SUM(shipping_fee), 2) FROM orders WHERE channel = '{channel}' AND order_date >= '{start}' AND order_date <= '{end}'"),
        mutant("orders counted instead", f"SELECT COUNT(*) {rest}"),
    ], describe=["orders"], raw=f"SELECT SUM(shipping_fee) {rest}")


def t2_low_stock(rng, c):
    c.need("products")
    group = "FROM products WHERE discontinued = 0"
    words = ""
    if rng.random() < 0.5:
        x = rng.choice([10, 20, 25, 50, 75, 100, 150])
        group += f" AND list_price > {x}"
        words = f" and a list_price above {x}"
    k = rng.choice(middle([r[0] for r in c.all(f"SELECT stock {group}")]))
    sql = f"SELECT COUNT(*) {group} AND stock < {k}"
    text = f"How many products that are not discontinued (discontinued = 0){words} have fewer than {k} units in stock?"
    return question("int", text, sql, [
        mutant("bound included", f"SELECT COUNT(*) {group} AND stock <= {k}"),
        mutant("discontinued included", f"SELECT COUNT(*) {group.replace('discontinued = 0', '1 = 1')} AND stock < {k}"),
        mutant("price ignored", f"SELECT COUNT(*) FROM products WHERE discontinued = 0 AND stock < {k}"),
    ], describe=["products"])


def t2_points(rng, c):
    c.need("customers")
    segment = rng.choice(c.distinct("customers", "segment"))
    points = [r[0] for r in c.all(f"SELECT loyalty_points FROM customers WHERE segment = '{segment}'")]
    p = rng.choice(middle(points))
    base = f"SELECT COUNT(*) FROM customers WHERE segment = '{segment}'"
    sql = f"{base} AND loyalty_points > {p}"
    return question("int", f"How many customers in the '{segment}' segment have more than {p} loyalty points?", sql, [
        mutant("bound included", f"{base} AND loyalty_points >= {p}"),
        mutant("segment ignored", f"SELECT COUNT(*) FROM customers WHERE loyalty_points > {p}"),
        mutant("the other side", f"{base} AND loyalty_points < {p}"),
    ], describe=["customers"])


# ---- tier 3: two-table joins, grouping -----------------------------------------------------------------------

ORDERS_OF_CUSTOMERS = "FROM orders o JOIN customers c ON c.id = o.customer_id"
ITEMS_OF_PRODUCTS = "FROM order_items oi JOIN products p ON p.id = oi.product_id"
ITEMS_OF_ORDERS = "FROM order_items oi JOIN orders o ON o.id = oi.order_id"


def t3_distinct_customers(rng, c):
    column = rng.choice(["city", "segment"])
    value = rng.choice(c.distinct("customers", column))
    channel = rng.choice([None, "web", "store"])
    words, start, end = period(rng)
    where = f"c.{column} = '{value}' AND o.order_date >= '{start}' AND o.order_date < '{end}'"
    where += f" AND o.channel = '{channel}'" if channel else ""
    sql = f"SELECT COUNT(DISTINCT o.customer_id) {ORDERS_OF_CUSTOMERS} WHERE {where}"
    who = f"from the city '{value}'" if column == "city" else f"in the '{value}' segment"
    through = f" through the channel '{channel}'" if channel else ""
    return question("int", f"How many different customers {who} placed at least one order{through} in {words}?", sql, [
        mutant("counted orders instead of customers", f"SELECT COUNT(*) {ORDERS_OF_CUSTOMERS} WHERE {where}"),
        mutant("period ignored", f"SELECT COUNT(DISTINCT o.customer_id) {ORDERS_OF_CUSTOMERS} WHERE c.{column} = '{value}'"),
        mutant("every customer counted", f"SELECT COUNT(*) FROM customers WHERE {column} = '{value}'"),
        mutant("end date included", f"SELECT COUNT(DISTINCT o.customer_id) {ORDERS_OF_CUSTOMERS} WHERE {where.replace(f'o.order_date < {end!r}', f'o.order_date <= {end!r}')}"),
    ], describe=["customers", "orders"])


def t3_units_category(rng, c):
    category = rng.choice(c.distinct("products", "category"))
    year = rng.choice([None, 2023, 2024])
    src, where, when, describe = ITEMS_OF_PRODUCTS, f"p.category = '{category}'", "", ["order_items", "products"]
    if year is not None:
        start, end = year_bounds(year)
        src = ITEMS_OF_PRODUCTS + " JOIN orders o ON o.id = oi.order_id"
        where += f" AND o.order_date >= '{start}' AND o.order_date < '{end}'"
        when, describe = f" in orders placed in {year}", describe + ["orders"]
    sql = f"SELECT SUM(oi.quantity) {src} WHERE {where}"
    any_category = where.replace(f"p.category = '{category}'", "1 = 1")
    return question("int", f"How many units of products in the category '{category}' were ordered{when}, summed over the order items?", sql, [
        mutant("counted order lines", f"SELECT COUNT(*) {src} WHERE {where}"),
        mutant("category ignored", f"SELECT SUM(oi.quantity) {src} WHERE {any_category}"),
        mutant("units in stock instead", f"SELECT SUM(stock) FROM products WHERE category = '{category}'"),
        mutant("year ignored", f"SELECT SUM(oi.quantity) {ITEMS_OF_PRODUCTS} WHERE p.category = '{category}'"),
    ], describe=describe)


def t3_revenue_month(rng, c):
    year, month = rng.choice([2023, 2024]), rng.randint(1, 12)
    channel = rng.choice([None, None, "web", "store", "phone"])
    start, end = month_bounds(year, month)
    dates = f"o.order_date >= '{start}' AND o.order_date < '{end}'"
    only = f" AND o.channel = '{channel}'" if channel else ""
    expr = "SUM(oi.quantity * oi.unit_price)"
    sql = f"SELECT ROUND({expr}, 2) {ITEMS_OF_ORDERS} WHERE {dates}{only}"
    through = f" through the channel '{channel}'" if channel else ""
    text = (
        f"What was the total revenue of the orders placed{through} in {MONTHS[month - 1]} {year}? Revenue is the sum "
        "of quantity * unit_price over their order items. Round it to 2 decimal places."
    )
    return question("dec", text, sql, [
        mutant("list_price instead of unit_price", f"SELECT ROUND(SUM(oi.quantity * p.list_price), 2) {ITEMS_OF_ORDERS} JOIN products p ON p.id = oi.product_id WHERE {dates}{only}"),
        mutant("quantity ignored", f"SELECT ROUND(SUM(oi.unit_price), 2) {ITEMS_OF_ORDERS} WHERE {dates}{only}"),
        mutant("end date included", f"SELECT ROUND({expr}, 2) {ITEMS_OF_ORDERS} WHERE o.order_date >= '{start}' AND o.order_date <= '{end}'{only}"),
        mutant("channel ignored", f"SELECT ROUND({expr}, 2) {ITEMS_OF_ORDERS} WHERE {dates}"),
    ], describe=["orders", "order_items"], raw=f"SELECT {expr} {ITEMS_OF_ORDERS} WHERE {dates}{only}")


def t3_top_customer_orders(rng, c):
    year = rng.choice([2023, 2024])
    channel = rng.choice([None, "web", "store"])
    status = rng.choice([None, "delivered", "cancelled"])
    start, end = year_bounds(year)
    other_start, other_end = year_bounds(2023 if year == 2024 else 2024)
    extra = (f" AND o.channel = '{channel}'" if channel else "") + (f" AND o.status = '{status}'" if status else "")
    top = "SELECT c.name, COUNT(*) AS orders_placed " + ORDERS_OF_CUSTOMERS + " WHERE {where} GROUP BY c.id ORDER BY orders_placed DESC, c.name LIMIT 3"
    sql = top.format(where=f"o.order_date >= '{start}' AND o.order_date < '{end}'{extra}")
    what = (f" with the status '{status}'" if status else "") + (f" through the channel '{channel}'" if channel else "")
    return question("name", f"Which customer placed the most orders{what} in {year}?", sql, [
        mutant("the runner-up", sql, pick=1),
        mutant("every year counted", top.format(where=f"1 = 1{extra}")),
        mutant("the other year", top.format(where=f"o.order_date >= '{other_start}' AND o.order_date < '{other_end}'{extra}")),
        mutant("filters ignored", top.format(where=f"o.order_date >= '{start}' AND o.order_date < '{end}'")),
    ], describe=["customers", "orders"], entity="customer", names=c.names("customers"))


def t3_top_product_units(rng, c):
    category = rng.choice(c.distinct("products", "category"))
    year = rng.choice([None, 2023, 2024])
    src, where, when, describe = ITEMS_OF_PRODUCTS, f"p.category = '{category}'", "", ["order_items", "products"]
    if year is not None:
        start, end = year_bounds(year)
        src = ITEMS_OF_PRODUCTS + " JOIN orders o ON o.id = oi.order_id"
        where += f" AND o.order_date >= '{start}' AND o.order_date < '{end}'"
        when, describe = f" in orders placed in {year}", describe + ["orders"]
    top = "SELECT p.name, {metric} AS units " + src + " WHERE {where} GROUP BY p.id ORDER BY units DESC, p.name LIMIT 3"
    sql = top.format(metric="SUM(oi.quantity)", where=where)
    return question("name", f"Which product in the category '{category}' sold the most units (sum of order_items.quantity){when}?", sql, [
        mutant("the runner-up", sql, pick=1),
        mutant("counted order lines", top.format(metric="COUNT(*)", where=where)),
        mutant("category ignored", top.format(metric="SUM(oi.quantity)", where=where.replace(f"p.category = '{category}'", "1 = 1"))),
        mutant("year ignored", top.format(metric="SUM(oi.quantity)", where=f"p.category = '{category}'")),
    ], describe=describe, entity="product", names=c.names("products"))


# ---- tier 4: four or five tables, regions, statuses, HAVING --------------------------------------------------

REGION_ORDERS = (
    "FROM customers c JOIN regions r ON r.id = c.region_id JOIN orders o ON o.customer_id = c.id "
    "JOIN order_items oi ON oi.order_id = o.id"
)
REGIONS_QUERY = "SELECT id, name FROM regions"
STATUS_QUERY = "SELECT DISTINCT status FROM orders"
KEPT = "o.status NOT IN ('cancelled', 'returned')"


def pick_region(rng, c):
    return rng.choice(c.distinct("regions", "name"))


def t4_top_customer_spend(rng, c):
    region = pick_region(rng, c)
    status = rng.choice(["delivered", "shipped"])
    year = rng.choice([2023, 2024])
    start, end = year_bounds(year)
    dates = f"o.order_date >= '{start}' AND o.order_date < '{end}'"
    top = "SELECT c.name, ROUND(SUM(oi.quantity * oi.unit_price), 2) AS spent " + REGION_ORDERS + " WHERE {where} GROUP BY c.id ORDER BY spent DESC, c.name LIMIT 3"
    sql = top.format(where=f"r.name = '{region}' AND o.status = '{status}' AND {dates}")
    text = (
        f"Among the customers in the region '{region}', who spent the most on orders with the status '{status}' "
        f"placed in {year}? Spending is the sum of quantity * unit_price of the order items."
    )
    return question("name", text, sql, [
        mutant("the runner-up", sql, pick=1),
        mutant("status ignored", top.format(where=f"r.name = '{region}' AND {dates}")),
        mutant("region ignored", top.format(where=f"o.status = '{status}' AND {dates}")),
        mutant("year ignored", top.format(where=f"r.name = '{region}' AND o.status = '{status}'")),
    ], describe=["regions", "customers", "orders", "order_items"], explore=[REGIONS_QUERY, STATUS_QUERY],
        entity="customer", names=c.names("customers"))


def t4_top_product_region(rng, c):
    region = pick_region(rng, c)
    year = rng.choice([None, 2023, 2024])
    dates = ""
    if year is not None:
        start, end = year_bounds(year)
        dates = f" AND o.order_date >= '{start}' AND o.order_date < '{end}'"
    src = REGION_ORDERS + " JOIN products p ON p.id = oi.product_id"
    top = "SELECT p.name, {metric} AS revenue " + src + " WHERE {where} GROUP BY p.id ORDER BY revenue DESC, p.name LIMIT 3"
    revenue = "ROUND(SUM(oi.quantity * oi.unit_price), 2)"
    sql = top.format(metric=revenue, where=f"r.name = '{region}' AND {KEPT}{dates}")
    when = f" in orders placed in {year}" if year else ""
    text = (
        f"Which product brought in the most revenue (quantity * unit_price) from customers in the region '{region}'{when}, "
        "counting only orders whose status is not 'cancelled' or 'returned'?"
    )
    return question("name", text, sql, [
        mutant("the runner-up", sql, pick=1),
        mutant("every status counted", top.format(metric=revenue, where=f"r.name = '{region}'{dates}")),
        mutant("units instead of revenue", top.format(metric="SUM(oi.quantity)", where=f"r.name = '{region}' AND {KEPT}{dates}")),
        mutant("region ignored", top.format(metric=revenue, where=f"{KEPT}{dates}")),
        mutant("year ignored", top.format(metric=revenue, where=f"r.name = '{region}' AND {KEPT}")),
    ], describe=["regions", "customers", "orders", "order_items", "products"], explore=[REGIONS_QUERY, STATUS_QUERY],
        entity="product", names=c.names("products"))


def t4_big_spenders(rng, c):
    region = pick_region(rng, c)
    x = rng.choice([150, 200, 250, 300, 400, 500, 600, 750, 1000, 1200, 1500, 2000])
    having = f"HAVING SUM(oi.quantity * oi.unit_price) > {x}"
    count = "SELECT COUNT(*) FROM (SELECT c.id " + REGION_ORDERS + " WHERE {where} GROUP BY {group} " + having + ")"
    sql = count.format(where=f"r.name = '{region}' AND {KEPT}", group="c.id")
    text = (
        f"How many customers in the region '{region}' spent more than {x} in total on orders whose status is not "
        "'cancelled' or 'returned'? Spending is the sum of quantity * unit_price of the order items."
    )
    return question("int", text, sql, [
        mutant("every status counted", count.format(where=f"r.name = '{region}'", group="c.id")),
        mutant("region ignored", count.format(where=KEPT, group="c.id")),
        mutant("single orders over the amount", count.format(where=f"r.name = '{region}' AND {KEPT}", group="o.id")),
    ], describe=["regions", "customers", "orders", "order_items"], explore=[REGIONS_QUERY, STATUS_QUERY])


def t4_category_region_period(rng, c):
    region = pick_region(rng, c)
    category = rng.choice(c.distinct("products", "category"))
    words, start, end = period(rng)
    src = REGION_ORDERS + " JOIN products p ON p.id = oi.product_id"
    shipped = "o.status IN ('shipped', 'delivered')"
    dates = f"o.order_date >= '{start}' AND o.order_date < '{end}'"
    expr = "SUM(oi.quantity * oi.unit_price)"
    where = f"r.name = '{region}' AND p.category = '{category}' AND {shipped} AND {dates}"
    sql = f"SELECT ROUND({expr}, 2) {src} WHERE {where}"
    text = (
        f"What was the revenue (quantity * unit_price) from products in the category '{category}' bought by customers "
        f"in the region '{region}' in {words}, counting only orders with the status 'shipped' or 'delivered'? "
        "Round it to 2 decimal places."
    )
    return question("dec", text, sql, [
        mutant("every status counted", f"SELECT ROUND({expr}, 2) {src} WHERE r.name = '{region}' AND p.category = '{category}' AND {dates}"),
        mutant("end date included", f"SELECT ROUND({expr}, 2) {src} WHERE r.name = '{region}' AND p.category = '{category}' AND {shipped} AND o.order_date >= '{start}' AND o.order_date <= '{end}'"),
        mutant("region ignored", f"SELECT ROUND({expr}, 2) {src} WHERE p.category = '{category}' AND {shipped} AND {dates}"),
        mutant("list_price instead of unit_price", f"SELECT ROUND(SUM(oi.quantity * p.list_price), 2) {src} WHERE {where}"),
    ], describe=["regions", "customers", "orders", "order_items", "products"], explore=[REGIONS_QUERY, STATUS_QUERY],
        raw=f"SELECT {expr} {src} WHERE {where}")


TEMPLATES = {
    0: [t0_count, t0_count_where, t0_sum, t0_lookup, t0_threshold, t0_since],
    1: [t1_rows, t1_count_where, t1_sum, t1_threshold, t1_lookup, t1_max],
    2: [t2_period_status, t2_signups, t2_avg_price, t2_shipping, t2_low_stock, t2_points],
    3: [t3_distinct_customers, t3_units_category, t3_revenue_month, t3_top_customer_orders, t3_top_product_units],
    4: [t4_top_customer_spend, t4_top_product_region, t4_big_spenders, t4_category_region_period],
}


# ---- from a question to a task -------------------------------------------------------------------------------


def answer_of(c, q):
    if q["kind"] == "name":
        rows = c.all(q["sql"])
        if len(rows) < 2 or rows[0][1] is None or rows[0][1] == rows[1][1]:
            raise Reject("no single top")
        return fmt("name", rows[0][0])
    value = c.scalar(q["sql"])
    answer = fmt(q["kind"], value)
    if q["kind"] == "int" and int(answer) < MIN_INT:
        raise Reject("answer too small")
    if q["kind"] == "dec":
        raw = c.scalar(q["raw"])
        if float(answer) <= 0 or abs((abs(raw) * 100) % 1 - 0.5) < 1e-6:
            raise Reject("rounding is ambiguous")
    return answer


def mutant_value(c, q, m):
    if m["value"] is not None:
        return m["value"]
    rows = c.all(m["sql"])
    if len(rows) <= m["pick"] or rows[m["pick"]][0] is None:
        return None
    try:
        return fmt(q["kind"], rows[m["pick"]][0])
    except Reject:
        return None


def draw_question(rng, c):
    for _ in range(MAX_ATTEMPTS):
        template = rng.choice(TEMPLATES[c.tier])
        try:
            q = template(rng, c)
            answer = answer_of(c, q)
        except Reject:
            continue
        pattern = re.compile(answer_pattern(q["kind"], answer))
        kept, values = [], []
        for m in q["mutants"]:
            value = mutant_value(c, q, m)
            if value is None or pattern.search(value) or value in values:
                continue
            kept.append((m, value))
            values.append(value)
        if len(kept) >= 2:
            return q, answer, kept
    raise RuntimeError(f"sql-analytics: no sound question in {MAX_ATTEMPTS} draws (tier {c.tier})")


def outcome_schema(kind, answer, db):
    return {
        "$schema": SCHEMA,
        "type": "object",
        "required": ["submitted", "state"],
        "properties": {
            "submitted": {
                "type": "object",
                "required": ["answer"],
                "properties": {"answer": {"type": "string", "pattern": answer_pattern(kind, answer)}},
            },
            "state": {
                "type": "object",
                "required": ["db"],
                "properties": {
                    "db": {
                        "type": "object",
                        "required": ["type", "size", "sha256"],
                        "properties": {
                            "type": {"const": "file"},
                            "size": {"const": len(db)},
                            "sha256": {"const": hashlib.sha256(db).hexdigest()},
                        },
                    }
                },
            },
        },
    }


def make_database(seed, tier, index):
    """The task's database (connection, tables, rows) and its random stream, positioned after the database."""
    if not isinstance(tier, int) or not 0 <= tier <= MAX_TIER:
        raise ValueError(f"sql-analytics: tier {tier!r} does not exist (tiers are 0..{MAX_TIER})")
    rng = task_rng(seed, tier, index)
    conn, tables, rows = build_database(rng, tier)
    return rng, Context(conn, tables, rows, tier)


def make_task(seed, tier, index):
    rng, c = make_database(seed, tier, index)
    q, answer, mutants = draw_question(rng, c)
    db = database_bytes(c.conn)
    submit_answer = lambda value: call("submit", answer=value)  # noqa: E731
    steps = []
    if tier >= 2:
        steps.append(call("list_tables"))
    if tier >= 1:
        steps += [call("describe_table", name=t) for t in q["describe"]]
    steps += [call("query", sql=s) for s in q["explore"]]
    steps.append(call("query", sql=q["sql"]))
    # Tier 0 spells the call out; the others introduce the database and say how to write the answer.
    prompt = q["text"] if tier == 0 else INTRO + q["text"] + " " + FORMAT[q["kind"]].format(entity=q["entity"])
    pattern = re.compile(answer_pattern(q["kind"], answer))
    guess = candidates(q, answer, [value for _, value in mutants])
    passing = [g for g in guess if pattern.search(g)]
    if passing != [answer]:
        raise RuntimeError(f"sql-analytics: the candidates hold {passing!r}, not just the answer {answer!r}")
    return {
        "prompt": prompt,
        "tools": ["query"] if tier == 0 else ALL_TOOLS,
        "submit": {
            "type": "object",
            "properties": {"answer": {"type": "string", "description": SUBMIT_DESCRIPTION[q["kind"]]}},
            "required": ["answer"],
            "additionalProperties": False,
        },
        "reference": steps + [submit_answer(answer)],
        "outcomeSchema": outcome_schema(q["kind"], answer, db),
        "mutants": [
            {"name": m["name"], "calls": [call("query", sql=m["sql"]), submit_answer(value)]} for m, value in mutants
        ],
        "guess": {"field": "answer", "candidates": guess},
    }
