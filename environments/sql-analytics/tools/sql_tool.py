"""In-sandbox tools of the `sql-analytics` environment, run as the agent: read-only access to the shop database.

Called as: python3 -I sql_tool.py <tool>, the call's arguments as one JSON object on stdin. Prints the tool's result
on stdout; a bad call exits 1 with the reason on stderr.

The database is opened read-only (a `mode=ro&immutable=1` URI), with `PRAGMA query_only`, and an authorizer that
allows reading only (no ATTACH, no writes, no pragmas but a few read-only ones), so nothing a call does can change
the file. Queries are time-limited through a progress handler, and rows and output are capped.
"""
import json
import os
import resource
import sqlite3
import sys
import time

ROOT = "/work"
DB_NAME = "shop.db"
MAX_ROWS = 30
MAX_OUTPUT = 2500
MAX_CELL = 80
MAX_SQL = 4000
QUERY_SECONDS = 3.0
READ_PRAGMAS = ("table_info", "table_xinfo", "table_list", "foreign_key_list", "index_list", "index_info")


class ToolError(Exception):
    pass


def limit_memory():
    try:
        resource.setrlimit(resource.RLIMIT_AS, (192 * 1024 * 1024, 192 * 1024 * 1024))
    except (ValueError, OSError):
        pass


def connect():
    path = os.path.join(ROOT, DB_NAME)
    if not os.path.isfile(path) or os.path.islink(path):
        raise ToolError(f"the database {DB_NAME} is missing from the work directory")
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, isolation_level=None)
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA hard_heap_limit = 64000000")
    conn.execute("PRAGMA query_only = ON")
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, 1_000_000)
    conn.setlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH, MAX_SQL * 4)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    return conn


def authorizer(action, arg1, arg2, _db, _trigger):
    if action in (sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_RECURSIVE):
        return sqlite3.SQLITE_OK
    if action == sqlite3.SQLITE_FUNCTION:
        return sqlite3.SQLITE_DENY if (arg2 or "").lower() in ("load_extension", "readfile", "writefile") else sqlite3.SQLITE_OK
    # These pragmas only read the schema, whatever their argument (a table or index name).
    if action == sqlite3.SQLITE_PRAGMA and (arg1 or "").lower() in READ_PRAGMAS:
        return sqlite3.SQLITE_OK
    return sqlite3.SQLITE_DENY


def user_tables(conn):
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def list_tables(_args):
    conn = connect()
    names = user_tables(conn)
    return "tables:\n" + "\n".join(names) if names else "(no tables)"


def describe_table(args):
    name = args.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ToolError("name must be a table name")
    conn = connect()
    wanted = name.strip().strip('"`[]').lower()
    tables = {t.lower(): t for t in user_tables(conn)}
    if wanted not in tables:
        raise ToolError(f"no table named {name.strip()!r}; call list_tables to see the tables")
    table = tables[wanted]
    quoted = '"' + table.replace('"', '""') + '"'
    refs = {row[3]: f"{row[2]}({row[4]})" for row in conn.execute(f"PRAGMA foreign_key_list({quoted})")}
    lines = [f"table {table} (columns):"]
    for _cid, col, ctype, notnull, _default, pk in conn.execute(f"PRAGMA table_info({quoted})"):
        notes = []
        if pk:
            notes.append("primary key")
        if col in refs:
            notes.append(f"references {refs[col]}")
        if notnull and not pk:
            notes.append("not null")
        lines.append(f"  {col} {ctype or 'ANY'}" + (f"  -- {', '.join(notes)}" if notes else ""))
    return "\n".join(lines)


def cell(value):
    if value is None:
        return "NULL"
    if isinstance(value, bytes):
        return f"<blob {len(value)} bytes>"
    text = str(value).replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[:MAX_CELL] + "..."


def query(args):
    sql = args.get("sql")
    if not isinstance(sql, str) or not sql.strip():
        raise ToolError("sql must be one SELECT statement")
    if len(sql) > MAX_SQL:
        raise ToolError(f"sql is longer than {MAX_SQL} characters")
    conn = connect()
    conn.set_authorizer(authorizer)
    deadline = time.monotonic() + QUERY_SECONDS
    conn.set_progress_handler(lambda: 1 if time.monotonic() > deadline else 0, 2000)
    try:
        cursor = conn.execute(sql)
        rows = cursor.fetchmany(MAX_ROWS + 1) if cursor.description else []
    except sqlite3.OperationalError as error:
        if "interrupted" in str(error):
            raise ToolError(f"the query ran longer than {QUERY_SECONDS:g} seconds and was stopped") from None
        raise ToolError(f"SQL error: {error}") from None
    except (sqlite3.DatabaseError, sqlite3.Warning, sqlite3.ProgrammingError, MemoryError, OverflowError) as error:
        raise ToolError(f"SQL error: {error}") from None
    if cursor.description is None:
        return "(the statement returned no columns)"
    if len(cursor.description) == 1 and len(rows) == 1:
        # One value: shown bare, as the sqlite3 shell shows it. A header and a "(1 row)" footer put other numbers
        # beside it, and SmolLM2 submitted the footer's "1" in 7 of 48 samples (bare: 0 of 48, and 14 of 48 right
        # instead of 7).
        return cell(rows[0][0]) or "(an empty string)"
    header = " | ".join(d[0] for d in cursor.description)
    more = len(rows) > MAX_ROWS
    rows = rows[:MAX_ROWS]
    lines = [header] + [" | ".join(cell(v) for v in row) for row in rows]
    out = []
    used = 0
    for line in lines:
        if used + len(line) + 1 > MAX_OUTPUT:
            more = True
            break
        out.append(line)
        used += len(line) + 1
    shown = len(out) - 1
    if more:
        out.append(f"({shown} rows shown; there are more: aggregate or add LIMIT/WHERE)")
    else:
        out.append(f"({shown} row{'s' if shown != 1 else ''})")
    return "\n".join(out)


TOOLS = {"list_tables": list_tables, "describe_table": describe_table, "query": query}


def main(argv):
    if len(argv) != 2 or argv[1] not in TOOLS:
        print(f"usage: sql_tool.py {{{'|'.join(TOOLS)}}} < arguments.json", file=sys.stderr)
        return 2
    limit_memory()
    try:
        args = json.loads(sys.stdin.read() or "{}")
        if not isinstance(args, dict):
            raise ToolError("arguments must be a JSON object")
        print(TOOLS[argv[1]](args))
        return 0
    except (ToolError, ValueError, OSError, sqlite3.Error) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
