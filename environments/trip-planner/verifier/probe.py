"""Probe of the `trip-planner` environment: the active bookings in the agent's trips.db as facts, never a verdict.

The database file is read without trusting it: the work directory and the file are opened without following any
link, the file must be a regular one of bounded size, and its bytes are loaded into a private in-memory SQLite
database (nothing of the agent's is opened as a database, locked or journalled). Only the bookings table's item
ids, dates, nights and status are read from it. What each booking is (its kind, a flight's date) and what it costs
come from the catalog this probe rebuilds from (seed, tier, index), never from the prices or names in the file.

Reports {"db": "ok" or why not, "bookings": [{id, kind, item, date, nights, cost}], "active_count", "total_cost"}:
total_cost is null when any active booking is unknown or malformed; at most MAX_REPORTED bookings are listed,
but active_count and total_cost cover them all.
"""
import datetime
import os
import re
import sqlite3
import stat

from trip_data import DB_NAME
from trip_tasks import make_task
from tasksynth_state import emit, read_request

MAX_DB_BYTES = 32 * 1024 * 1024
MAX_REPORTED = 64
MAX_SCANNED = 100000
MAX_ITEM = 32
MAX_NIGHTS = 366
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def read_db(root):
    """(status, bytes): "ok" and the file's bytes, or what is in the way."""
    try:
        dir_fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return "missing", None
    try:
        try:
            info = os.stat(DB_NAME, dir_fd=dir_fd, follow_symlinks=False)
        except OSError:
            return "missing", None
        if stat.S_ISLNK(info.st_mode):
            return "symlink", None
        if not stat.S_ISREG(info.st_mode):
            return "not a file", None
        if info.st_size > MAX_DB_BYTES:
            return "too large", None
        try:
            fd = os.open(DB_NAME, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
        except OSError:
            return "unreadable", None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return "not a file", None
            chunks, size = [], 0
            while size <= MAX_DB_BYTES:
                chunk = os.read(fd, 1024 * 1024)
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
            if size > MAX_DB_BYTES:
                return "too large", None
            return "ok", b"".join(chunks)
        except OSError:
            return "unreadable", None
        finally:
            os.close(fd)
    finally:
        os.close(dir_fd)


def iso_date(value):
    if not isinstance(value, str) or not ISO_DATE.match(value):
        return None
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        return None


def item_text(value):
    text = value if isinstance(value, str) else repr(value)
    return text.encode("ascii", "replace").decode("ascii")[:MAX_ITEM]


def booking_fact(catalog, row):
    """One active booking as the catalog sees it; unknown items and malformed dates or nights cost null."""
    booking_id, item, date, nights = row
    fact = {"id": booking_id if isinstance(booking_id, int) else None, "item": item_text(item)}
    if isinstance(item, str) and item in catalog.flights:
        flight = catalog.flights[item]
        return {**fact, "kind": "flight", "date": flight["date"], "nights": None, "cost": flight["price"]}
    if isinstance(item, str) and item in catalog.hotels:
        when = iso_date(date)
        n = nights if isinstance(nights, int) and 1 <= nights <= MAX_NIGHTS else None
        cost = catalog.hotels[item]["price"] * n if when and n else None
        return {**fact, "kind": "hotel", "date": when, "nights": n, "cost": cost}
    if isinstance(item, str) and item in catalog.attractions:
        when = iso_date(date)
        return {**fact, "kind": "attraction", "date": when, "nights": None,
                "cost": catalog.attractions[item]["price"] if when else None}
    return {**fact, "kind": "unknown", "date": None, "nights": None, "cost": None}


def active_bookings(data):
    """Rows (id, item, date, nights) of the active bookings, read from a private in-memory copy of the file."""
    conn = sqlite3.connect(":memory:")
    try:
        conn.deserialize(data)
        conn.execute("PRAGMA trusted_schema = OFF")
        conn.execute("PRAGMA query_only = ON")
        cursor = conn.execute("SELECT id, item, date, nights, status FROM bookings ORDER BY id")
        rows = []
        for row in cursor.fetchmany(MAX_SCANNED):
            if row[4] == "active":
                rows.append(row[:4])
        return rows
    finally:
        conn.close()


def report(request):
    status, data = read_db(request["root"])
    empty = {"db": status, "bookings": [], "active_count": 0, "total_cost": None}
    if status != "ok":
        return empty
    try:
        rows = active_bookings(data)
    except (sqlite3.Error, ValueError, MemoryError, OverflowError, TypeError):
        return {**empty, "db": "corrupt"}
    catalog = make_task(request["seed"], request["tier"], request["index"])["catalog"]
    facts = [booking_fact(catalog, row) for row in rows]
    costs = [f["cost"] for f in facts]
    facts.sort(key=lambda f: (f["date"] or "", f["kind"], f["item"]))
    return {
        "db": "ok",
        "bookings": facts[:MAX_REPORTED],
        "active_count": len(facts),
        "total_cost": sum(costs) if all(c is not None for c in costs) else None,
    }


emit(report(read_request()))
