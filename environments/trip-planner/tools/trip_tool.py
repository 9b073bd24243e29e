"""In-sandbox tools of the `trip-planner` environment, run as the agent: search the travel catalog in trips.db and
make or cancel bookings.

Called as: python3 -I trip_tool.py <tool>, the call's arguments as one JSON object on stdin. Prints the tool's
result on stdout; a bad call exits 1 with the reason on stderr.

The arguments come from an untrusted model: every value is checked for type and size and reaches SQLite only as a
bound parameter of a fixed statement, so no argument can change a query or name another file. Searches open the
database read-only; bookings change only the bookings table (and a flight's free seats), in one transaction.
Outputs are a few short lines, capped.
"""
import datetime
import json
import os
import re
import resource
import sqlite3
import sys

ROOT = "/work"
DB_NAME = "trips.db"
MAX_TEXT = 64
MAX_ROWS = 20
MAX_NIGHTS = 14
ID_PATTERN = re.compile(r"^[A-Z]-\d{4,6}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
CATEGORIES = ["museum", "tour", "park", "show", "food", "gallery", "cruise", "landmark"]
SORTS = {"price": "price ASC", "rating": "rating DESC", "stars": "stars DESC, price ASC"}


class ToolError(Exception):
    pass


def limit_memory():
    try:
        resource.setrlimit(resource.RLIMIT_AS, (192 * 1024 * 1024, 192 * 1024 * 1024))
    except (ValueError, OSError):
        pass


def connect(write=False):
    path = os.path.join(ROOT, DB_NAME)
    if os.path.islink(path) or not os.path.isfile(path):
        raise ToolError(f"the travel database {DB_NAME} is missing from the work directory")
    conn = sqlite3.connect(f"file:{path}?mode={'rw' if write else 'ro'}", uri=True, isolation_level=None, timeout=5)
    conn.setlimit(sqlite3.SQLITE_LIMIT_ATTACHED, 0)
    return conn


# ---- arguments ---------------------------------------------------------------------------------------------------


def text(args, name, required=True):
    value = args.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ToolError(f"{name} must be a non-empty string")
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise ToolError(f"{name} is longer than {MAX_TEXT} characters")
    return value


def item_id(args, name, prefix):
    value = text(args, name).upper()
    if not ID_PATTERN.match(value) or not value.startswith(prefix + "-"):
        # No example number here: an error's words feed the random policy's guesses, and a number might be a real id.
        raise ToolError(f"{name} must be an id made of {prefix}- and digits, as the other tools show it")
    return value


def date_arg(args, name):
    value = text(args, name)
    try:
        if not DATE_PATTERN.match(value):
            raise ValueError
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ToolError(f"{name} must be a date written YYYY-MM-DD") from None


def integer(args, name, low, high, required=True):
    value = args.get(name)
    if value is None and not required:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ToolError(f"{name} must be a whole number from {low} to {high}")
    return value


def city_arg(conn, args, name):
    value = text(args, name)
    row = conn.execute("SELECT name FROM cities WHERE lower(name) = lower(?)", (value,)).fetchone()
    if row is None:
        raise ToolError(f"there is no city named {value!r} in the catalog; list_cities shows them")
    return row[0]


# ---- formatting --------------------------------------------------------------------------------------------------


def rating(tenths):
    return f"{tenths // 10}.{tenths % 10}"


def hours(minutes):
    return f"{minutes // 60}h{minutes % 60:02d}" if minutes % 60 else f"{minutes // 60}h"


def closed_text(day):
    return "open every day" if day is None else f"closed on {WEEKDAYS[day]}s"


def rows_text(header, lines, what):
    if not lines:
        return f"{header}\n(no {what} found)"
    more = len(lines) > MAX_ROWS
    shown = lines[:MAX_ROWS]
    tail = f"(the first {MAX_ROWS} {what} shown; there are more: add filters)" if more else f"({len(shown)} {what})"
    return "\n".join([header] + shown + [tail])


# ---- looking ---------------------------------------------------------------------------------------------------


def list_cities(_args):
    conn = connect()
    rows = conn.execute("SELECT name, country FROM cities ORDER BY name").fetchall()
    return "cities:\n" + "\n".join(f"{name} ({country})" for name, country in rows)


def search_flights(args):
    conn = connect()
    origin, destination = city_arg(conn, args, "from"), city_arg(conn, args, "to")
    date = date_arg(args, "date").isoformat()
    rows = conn.execute(
        "SELECT id, airline, depart, arrive, price, seats FROM flights WHERE origin = ? AND destination = ? AND date = ? "
        "ORDER BY depart LIMIT ?",
        (origin, destination, date, MAX_ROWS + 1),
    ).fetchall()
    lines = [
        f"{fid} | {airline} | departs {dep} arrives {arr} | ${price} | {f'{seats} seats left' if seats > 0 else 'SOLD OUT'}"
        for fid, airline, dep, arr, price, seats in rows
    ]
    return rows_text(f"flights {origin} -> {destination} on {date} (id | airline | times | price | seats):", lines, "flights")


def flight_details(args):
    conn = connect()
    fid = item_id(args, "flight_id", "F")
    row = conn.execute(
        "SELECT airline, origin, destination, date, depart, arrive, minutes, price, seats, aircraft, bags FROM flights WHERE id = ?",
        (fid,),
    ).fetchone()
    if row is None:
        raise ToolError(f"there is no flight {fid}")
    airline, origin, destination, date, dep, arr, minutes, price, seats, aircraft, bags = row
    return "\n".join([
        f"flight {fid}: {airline}, {origin} -> {destination}",
        f"date {date}, departs {dep}, arrives {arr} ({hours(minutes)})",
        f"price ${price} per passenger, {bags} included",
        f"aircraft {aircraft}; {f'{seats} seats left' if seats > 0 else 'SOLD OUT'}",
    ])


def search_hotels(args):
    conn = connect()
    city = city_arg(conn, args, "city")
    max_price = integer(args, "max_price", 1, 100000, required=False)
    min_stars = integer(args, "min_stars", 1, 5, required=False)
    amenity = text(args, "amenity", required=False)
    sort = text(args, "sort", required=False) or "price"
    if sort not in SORTS:
        raise ToolError(f"sort must be one of {', '.join(SORTS)}")
    # The ORDER BY comes from the fixed SORTS table, never from the argument's text.
    rows = conn.execute(
        "SELECT id, name, stars, rating, price, amenities FROM hotels WHERE city = ? AND price <= ? AND stars >= ? "
        f"ORDER BY {SORTS[sort]}, id",
        (city, max_price if max_price is not None else 10**9, min_stars or 0),
    ).fetchall()
    if amenity is not None:
        wanted = amenity.lower()
        rows = [r for r in rows if wanted in [a.strip() for a in r[5].split(",")]]
    lines = [f"{hid} | {name} | {stars} stars | rating {rating(r)} | ${price}/night" for hid, name, stars, r, price, _ in rows]
    filters = [f"at most ${max_price}/night" if max_price is not None else "", f"{min_stars}+ stars" if min_stars else "",
               f"with {amenity}" if amenity else ""]
    shown = ", ".join(f for f in filters if f)
    header = f"hotels in {city}{' (' + shown + ')' if shown else ''}, by {sort} (id | name | stars | rating | price):"
    return rows_text(header, lines, "hotels")


def hotel_details(args):
    conn = connect()
    hid = item_id(args, "hotel_id", "H")
    row = conn.execute(
        "SELECT city, name, stars, rating, price, amenities, district, checkin FROM hotels WHERE id = ?", (hid,)
    ).fetchone()
    if row is None:
        raise ToolError(f"there is no hotel {hid}")
    city, name, stars, r, price, amenities, district, checkin = row
    return "\n".join([
        f"hotel {hid}: {name}, {district}, {city}",
        f"{stars} stars, guest rating {rating(r)} of 10",
        f"${price} per night; check-in from {checkin}",
        f"amenities: {amenities or 'none'}",
    ])


def search_attractions(args):
    conn = connect()
    city = city_arg(conn, args, "city")
    category = text(args, "category", required=False)
    if category is not None and category.lower() not in CATEGORIES:
        raise ToolError(f"category must be one of {', '.join(CATEGORIES)}")
    rows = conn.execute(
        "SELECT id, name, category, price, minutes FROM attractions WHERE city = ? AND (? IS NULL OR category = ?) "
        "ORDER BY price, id",
        (city, category and category.lower(), category and category.lower()),
    ).fetchall()
    lines = [f"{aid} | {name} | {cat} | ${price} | {hours(minutes)}" for aid, name, cat, price, minutes in rows]
    header = f"attractions in {city}{' (' + category.lower() + ')' if category else ''}, cheapest first (id | name | category | price | duration):"
    return rows_text(header, lines, "attractions")


def attraction_details(args):
    conn = connect()
    aid = item_id(args, "attraction_id", "A")
    row = conn.execute("SELECT city, name, category, price, minutes, closed_on FROM attractions WHERE id = ?", (aid,)).fetchone()
    if row is None:
        raise ToolError(f"there is no attraction {aid}")
    city, name, category, price, minutes, closed = row
    return "\n".join([
        f"attraction {aid}: {name} ({category}), {city}",
        f"ticket ${price}, about {hours(minutes)}",
        f"opening days: {closed_text(closed)}",
    ])


# ---- bookings ------------------------------------------------------------------------------------------------------


def describe(conn, kind, item, date, nights):
    if kind == "flight":
        row = conn.execute("SELECT origin, destination, date, depart FROM flights WHERE id = ?", (item,)).fetchone()
        return f"flight {item} {row[0]} -> {row[1]} on {row[2]} at {row[3]}" if row else f"flight {item}"
    if kind == "hotel":
        row = conn.execute("SELECT name, city FROM hotels WHERE id = ?", (item,)).fetchone()
        where = f" {row[0]}, {row[1]}" if row else ""
        return f"hotel {item}{where}, check-in {date}, {nights} night{'s' if nights != 1 else ''}"
    row = conn.execute("SELECT name FROM attractions WHERE id = ?", (item,)).fetchone()
    return f"attraction {item}{' ' + row[0] if row else ''} on {date}"


def add_booking(conn, kind, item, date, nights, price):
    """Inserts an active booking under the next free number (kept in the meta table) and returns its id text."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'next_booking'").fetchone()
    number = row[0] if row else 1000
    while conn.execute("SELECT 1 FROM bookings WHERE id = ?", (number,)).fetchone():
        number += 1
    conn.execute(
        "INSERT INTO bookings (id, kind, item, date, nights, price, status) VALUES (?, ?, ?, ?, ?, ?, 'active')",
        (number, kind, item, date, nights, price),
    )
    conn.execute("UPDATE meta SET value = ? WHERE key = 'next_booking'", (number + 1,))
    return f"B-{number}"


def write(fn):
    """Runs fn(conn) in one immediate transaction: all of a booking's changes or none."""
    conn = connect(write=True)
    try:
        conn.execute("BEGIN IMMEDIATE")
        result = fn(conn)
        conn.execute("COMMIT")
        return result
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def book_flight(args):
    fid = item_id(args, "flight_id", "F")

    def run(conn):
        row = conn.execute("SELECT date, price, seats FROM flights WHERE id = ?", (fid,)).fetchone()
        if row is None:
            raise ToolError(f"there is no flight {fid}")
        date, price, seats = row
        if seats <= 0:
            raise ToolError(f"flight {fid} is sold out")
        conn.execute("UPDATE flights SET seats = seats - 1 WHERE id = ?", (fid,))
        bid = add_booking(conn, "flight", fid, date, None, price)
        return f"booked {bid}: {describe(conn, 'flight', fid, date, None)}, ${price}"

    return write(run)


def book_hotel(args):
    hid = item_id(args, "hotel_id", "H")
    check_in = date_arg(args, "check_in").isoformat()
    nights = integer(args, "nights", 1, MAX_NIGHTS)

    def run(conn):
        row = conn.execute("SELECT price FROM hotels WHERE id = ?", (hid,)).fetchone()
        if row is None:
            raise ToolError(f"there is no hotel {hid}")
        price = row[0] * nights
        bid = add_booking(conn, "hotel", hid, check_in, nights, price)
        return f"booked {bid}: {describe(conn, 'hotel', hid, check_in, nights)}, ${price} in all"

    return write(run)


def book_attraction(args):
    aid = item_id(args, "attraction_id", "A")
    date = date_arg(args, "date")

    def run(conn):
        row = conn.execute("SELECT price, closed_on FROM attractions WHERE id = ?", (aid,)).fetchone()
        if row is None:
            raise ToolError(f"there is no attraction {aid}")
        price, closed = row
        if closed == date.weekday():
            raise ToolError(f"attraction {aid} is {closed_text(closed)}; {date.isoformat()} is a {WEEKDAYS[closed]}")
        bid = add_booking(conn, "attraction", aid, date.isoformat(), None, price)
        return f"booked {bid}: {describe(conn, 'attraction', aid, date.isoformat(), None)}, ${price}"

    return write(run)


def cancel_booking(args):
    value = item_id(args, "booking_id", "B")
    number = int(value[2:])

    def run(conn):
        row = conn.execute("SELECT kind, item, date, nights FROM bookings WHERE id = ? AND status = 'active'", (number,)).fetchone()
        if row is None:
            raise ToolError(f"there is no active booking {value}")
        kind, item, date, nights = row
        conn.execute("UPDATE bookings SET status = 'cancelled' WHERE id = ?", (number,))
        if kind == "flight":
            conn.execute("UPDATE flights SET seats = seats + 1 WHERE id = ?", (item,))
        return f"cancelled {value}: {describe(conn, kind, item, date, nights)}"

    return write(run)


def list_bookings(_args):
    conn = connect()
    rows = conn.execute(
        "SELECT id, kind, item, date, nights, price FROM bookings WHERE status = 'active' ORDER BY id LIMIT ?", (MAX_ROWS + 1,)
    ).fetchall()
    if not rows:
        return "no active bookings"
    total = conn.execute("SELECT COALESCE(SUM(price), 0), COUNT(*) FROM bookings WHERE status = 'active'").fetchone()
    lines = [f"B-{bid} | {describe(conn, kind, item, date, nights)} | ${price}" for bid, kind, item, date, nights, price in rows[:MAX_ROWS]]
    more = f"\n({total[1] - MAX_ROWS} more not shown)" if total[1] > MAX_ROWS else ""
    return "active bookings (id | what | cost):\n" + "\n".join(lines) + more + f"\ntotal cost: ${total[0]}"


TOOLS = {
    "list_cities": list_cities, "search_flights": search_flights, "flight_details": flight_details,
    "search_hotels": search_hotels, "hotel_details": hotel_details, "search_attractions": search_attractions,
    "attraction_details": attraction_details, "book_flight": book_flight, "book_hotel": book_hotel,
    "book_attraction": book_attraction, "cancel_booking": cancel_booking, "list_bookings": list_bookings,
}


def main(argv):
    if len(argv) != 2 or argv[1] not in TOOLS:
        print(f"usage: trip_tool.py {{{'|'.join(TOOLS)}}} < arguments.json", file=sys.stderr)
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
