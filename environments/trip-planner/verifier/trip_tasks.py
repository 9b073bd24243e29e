"""The tasks of the `trip-planner` environment, deterministic from (seed, tier, index). Private to the verifier.

A task asks for bookings in a generated travel catalog (trips.db in the agent's /work): flights, hotel stays and
attraction tickets chosen by stated rules (cheapest, earliest, highest-rated, at least k stars, an amenity, a
nightly cap, a budget, open on a day), sometimes after cancelling a wrong booking made earlier. Every rule picks
exactly one item (ties are drawn again), so the final set of active bookings is unique; the outcome schema states
it exactly (kind, item, date, nights of each booking, their number) plus the total cost the probe computes from
its own copy of the catalog, kept within the budget. Tiers 3 and 4 also ask for that total as the answer.

Tiers: 0 one spelled-out call (book or cancel), only that tool offered; 1 one booking chosen by one rule; 2 a
flight and a hotel with a budget or preferences; 3 a flight, a hotel and an attraction with several rules and
distractors (sold-out flights, a better hotel lacking the amenity, the cheapest attraction closed that day) after
cancelling a wrong booking and keeping a right one; 4 a multi-city round trip (3-4 legs) with date continuity,
per-city nightly caps, an attraction, a total budget, sometimes a wrong booking to cancel.

Mutants are the reference with one thing broken (another item, a day off, a night short, a booking left out or
added, a cancel forgotten or misplaced, a wrong total); each is simulated under the tools' rules and kept only when
its final bookings or answer differ from the reference's.
"""
import json
import random

from trip_data import CATEGORIES, CITY_NAMES, WEEKDAYS, Catalog, clock, day, weekday

SCHEMA = "https://json-schema.org/draft/2020-12/schema"
MAX_TIER = 4
MAX_ATTEMPTS = 300
MAX_NIGHTS = 14
MAX_MUTANTS = 5
GUESS_WINDOW = 300

NO_ARGS = {"type": "object", "properties": {}, "additionalProperties": False}
TOTAL_ARGS = {
    "type": "object",
    "properties": {
        "total_cost": {
            "type": "integer", "minimum": 0, "maximum": 100000,
            "description": "the total cost in dollars of all your active bookings (list_bookings shows it)",
        }
    },
    "required": ["total_cost"],
    "additionalProperties": False,
}
FLIGHT_TOOLS = ["search_flights", "flight_details", "book_flight", "list_bookings", "cancel_booking"]
HOTEL_TOOLS = ["search_hotels", "hotel_details", "book_hotel", "list_bookings", "cancel_booking"]
ATTRACTION_TOOLS = ["search_attractions", "attraction_details", "book_attraction", "list_bookings", "cancel_booking"]
TRIP_TOOLS = [
    "list_cities", "search_flights", "flight_details", "search_hotels", "hotel_details", "book_flight", "book_hotel",
    "list_bookings", "cancel_booking",
]
ALL_TOOLS = [
    "list_cities", "search_flights", "flight_details", "search_hotels", "hotel_details", "search_attractions",
    "attraction_details", "book_flight", "book_hotel", "book_attraction", "list_bookings", "cancel_booking",
]
PRIVATE_KEYS = ("catalog",)


class Reject(Exception):
    """This draw makes no sound task (a tie, too few candidates, no binding budget): draw again."""


class Refused(Exception):
    """A booking tool would refuse this call (sold out, closed that day)."""


def call(tool, **arguments):
    return {"name": tool, "arguments": arguments}


def search_flights(origin, destination, date):
    return call("search_flights", **{"from": origin, "to": destination, "date": date})


# ---- bookings: what the probe reports for each, and the calls that make them -----------------------------------


def flight_want(f):
    return {"kind": "flight", "item": f["id"], "date": f["date"], "nights": None}


def hotel_want(h, check_in, nights):
    return {"kind": "hotel", "item": h["id"], "date": check_in, "nights": nights}


def attraction_want(a, date):
    return {"kind": "attraction", "item": a["id"], "date": date, "nights": None}


def book(want):
    return ("book", want)


def cancel(booking):
    return ("cancel", booking["id"])


def act_call(act):
    kind, x = act
    if kind == "cancel":
        return call("cancel_booking", booking_id=x)
    if x["kind"] == "flight":
        return call("book_flight", flight_id=x["item"])
    if x["kind"] == "hotel":
        return call("book_hotel", hotel_id=x["item"], check_in=x["date"], nights=x["nights"])
    return call("book_attraction", attraction_id=x["item"], date=x["date"])


def strip(booking):
    return {k: booking[k] for k in ("kind", "item", "date", "nights")}


def simulate(cat, acts):
    """The active bookings after `acts`, by the booking tools' rules (seats, opening days, nights)."""
    active = [dict(b) for b in cat.bookings]
    taken = {}
    for kind, x in acts:
        if kind == "cancel":
            left = [b for b in active if b["id"] != x]
            if len(left) == len(active):
                raise Refused(f"no booking {x}")
            active = left
            continue
        if x["kind"] == "flight":
            seats = cat.flights[x["item"]]["seats"] - taken.get(x["item"], 0)
            if seats <= 0:
                raise Refused("sold out")
            taken[x["item"]] = taken.get(x["item"], 0) + 1
        elif x["kind"] == "hotel":
            if not 1 <= x["nights"] <= MAX_NIGHTS:
                raise Refused("nights")
        elif cat.attractions[x["item"]]["closed_on"] == weekday(x["date"]):
            raise Refused("closed")
        active.append(dict(x))
    return [strip(b) for b in active]


def canonical(bookings):
    return sorted(json.dumps(b, sort_keys=True) for b in bookings)


# ---- drawing helpers ---------------------------------------------------------------------------------------------


def world(rng, cat, n_trip):
    """The database's cities; the first n_trip of them are the trip's."""
    names = rng.sample(CITY_NAMES, rng.randint(*cat.scale["cities"]))
    cat.add_cities(names)
    return names[:n_trip]


def trip_leg(rng, cat, origin, destination, date, sold_out=0.0):
    """The flights of a leg the task is about, plus the same route a day before and after (near misses)."""
    leg = cat.add_flights(origin, destination, date, rng.randint(*cat.scale["leg"]), sold_out)
    for offset in (-1, 1):
        if not cat.leg(origin, destination, day(date, offset)):
            cat.add_flights(origin, destination, day(date, offset), rng.randint(1, 3), 0.1)
    return leg


def finish_world(cat, legs, days):
    """Background flights, never on a leg the task is judged on (they could change its answer)."""
    protected = {(f["from"], f["to"], f["date"]) for leg in legs for f in leg}
    before = set(cat.flights)
    cat.add_noise(cat.start, days)
    for fid in [f for f in cat.flights if f not in before]:
        f = cat.flights[fid]
        if (f["from"], f["to"], f["date"]) in protected:
            del cat.flights[fid]


def ranked(items, key):
    """Items best first by key (smallest wins); a tie for first place rejects the draw."""
    out = sorted(items, key=key)
    if not out or (len(out) > 1 and key(out[0]) == key(out[1])):
        raise Reject("no unique best")
    return out


def cheapest(flights):
    return ranked([f for f in flights if f["seats"] > 0], lambda f: f["price"])


def open_on(a, date):
    return a["closed_on"] != weekday(date)


def ensure_attractions(cat, city, category, count):
    while len(cat.city_attractions(city, category)) < count:
        if cat.add_attraction(city, category) is None:
            raise Reject("no more attraction names")
    return cat.city_attractions(city, category)


def budget_pick(rng, cands, fixed, nights):
    """The highest-rated candidate that a budget still allows, where a better-rated one does not fit: returns
    (answer, best over budget, budget). Candidates are best-rated first; the budget lies between the answer's
    trip cost and the cheapest better-rated one's."""
    options = [j for j in range(1, len(cands)) if cands[j]["price"] < min(c["price"] for c in cands[:j])]
    if not options:
        raise Reject("the budget binds nowhere")
    j = rng.choice(options)
    low = fixed + nights * cands[j]["price"]
    high = fixed + nights * min(c["price"] for c in cands[:j]) - 1
    budget = low + rng.randint(0, high - low)
    rounded = budget - budget % 10
    return cands[j], cands[0], rounded if rounded >= low else budget


def cap_pick(rng, cands):
    """(answer, best above the cap or None, nightly cap): like budget_pick, for one night's price."""
    options = [j for j in range(1, len(cands)) if cands[j]["price"] < min(c["price"] for c in cands[:j])]
    if not options:
        return cands[0], None, cands[0]["price"] + rng.randint(0, 40)
    j = rng.choice(options)
    low, high = cands[j]["price"], min(c["price"] for c in cands[:j]) - 1
    cap = low + rng.randint(0, high - low)
    rounded = cap - cap % 10
    return cands[j], cands[0], rounded if rounded >= low else cap


def draft(prompt, tools, looks, acts, mutants, budget=None, answer=False, after=()):
    return {"prompt": prompt, "tools": tools, "looks": looks, "acts": acts, "mutants": mutants, "budget": budget,
            "answer": answer, "after": list(after)}


def swap(acts, old, new):
    """The acts with one booking replaced (or dropped when new is None)."""
    out = []
    for act in acts:
        if act == ("book", old):
            if new is not None:
                out.append(("book", new))
        else:
            out.append(act)
    return out


def weekday_name(iso):
    return WEEKDAYS[weekday(iso)]


# ---- tier 0: one spelled-out call ------------------------------------------------------------------------------


def t0_flight(rng, cat):
    x, y = world(rng, cat, 2)
    leg = trip_leg(rng, cat, x, y, cat.start)
    finish_world(cat, [leg], 3)
    f, other = rng.sample(leg, 2)
    w = flight_want(f)
    return draft(
        f'Call book_flight with flight_id "{f["id"]}", then call submit.', ["book_flight"], [], [book(w)],
        [("booked another flight", [book(flight_want(other))]), ("booked the flight twice", [book(w), book(w)])],
    )


def t0_hotel(rng, cat):
    _x, y = world(rng, cat, 2)
    finish_world(cat, [], 3)
    h, other = rng.sample(cat.city_hotels(y), 2)
    date, nights = cat.start, rng.randint(1, 5)
    w = hotel_want(h, date, nights)
    return draft(
        f'Call book_hotel with hotel_id "{h["id"]}", check_in "{date}" and nights {nights}, then call submit.',
        ["book_hotel"], [], [book(w)],
        [
            ("booked another hotel", [book(hotel_want(other, date, nights))]),
            ("checked in a day later", [book(hotel_want(h, day(date, 1), nights))]),
            ("one night more", [book(hotel_want(h, date, nights + 1))]),
        ],
    )


def t0_attraction(rng, cat):
    _x, y = world(rng, cat, 2)
    finish_world(cat, [], 3)
    date = cat.start
    pool = cat.city_attractions(y)
    if len(pool) < 2:
        pool = ensure_attractions(cat, y, rng.choice(CATEGORIES), 2)
    a, other = rng.sample(pool, 2)
    # The spelled-out day is one both are open (the tool refuses a closed day).
    for item in (a, other):
        if not open_on(item, date):
            item["closed_on"] = None
    later = next(day(date, k) for k in (1, 2) if open_on(a, day(date, k)))
    return draft(
        f'Call book_attraction with attraction_id "{a["id"]}" and date "{date}", then call submit.',
        ["book_attraction"], [], [book(attraction_want(a, date))],
        [("booked another attraction", [book(attraction_want(other, date))]),
         ("booked another day", [book(attraction_want(a, later))])],
    )


def t0_cancel(rng, cat):
    x, y = world(rng, cat, 2)
    leg = trip_leg(rng, cat, x, y, cat.start)
    finish_world(cat, [leg], 3)
    flight = cat.add_booking(flight_want(rng.choice(leg)))
    stay = cat.add_booking(hotel_want(rng.choice(cat.city_hotels(y)), cat.start, rng.randint(1, 5)))
    gone, kept = (flight, stay) if rng.random() < 0.5 else (stay, flight)
    return draft(
        f'Call cancel_booking with booking_id "{gone["id"]}", then call submit.', ["cancel_booking"], [],
        [cancel(gone)], [("cancelled the other booking", [cancel(kept)])],
    )


# ---- tier 1: one booking chosen by one rule -------------------------------------------------------------------


def t1_flight(rng, cat):
    x, y = world(rng, cat, 2)
    date = cat.start
    leg = trip_leg(rng, cat, x, y, date)
    cat.add_flights(y, x, date, rng.randint(1, 3))
    finish_world(cat, [leg], 3)
    by_price = cheapest(leg)
    by_time = ranked(leg, lambda f: f["depart"])
    next_day = cheapest(cat.leg(x, y, day(date, 1)))[0]
    if rng.random() < 0.5:
        rule, ans, runner = "cheapest flight", by_price[0], by_price[1]
        other = ("booked the earliest flight instead", by_time[0])
    else:
        rule, ans, runner = "earliest flight (first to depart)", by_time[0], by_time[1]
        other = ("booked the cheapest flight instead", by_price[0])
    w = flight_want(ans)
    mutants = [
        ("booked the runner-up", [book(flight_want(runner))]),
        ("booked the next day's flight", [book(flight_want(next_day))]),
        ("booked two flights", [book(w), book(flight_want(runner))]),
    ]
    if other[1] is not ans:
        mutants.append((other[0], [book(flight_want(other[1]))]))
    return draft(f"Book the {rule} from {x} to {y} on {date}. Then call submit.", FLIGHT_TOOLS,
                 [search_flights(x, y, date)], [book(w)], mutants)


def t1_hotel(rng, cat):
    _x, y = world(rng, cat, 2)
    finish_world(cat, [], 3)
    date, nights = cat.start, rng.randint(1, 6)
    hotels = cat.city_hotels(y)
    by_price = ranked(hotels, lambda h: h["price"])
    if rng.random() < 0.5:
        best = ranked(hotels, lambda h: -h["rating"])
        ans, runner = best[0], best[1]
        rule = f"the highest-rated hotel in {y}"
        look = call("search_hotels", city=y, sort="rating")
        other = ("booked the cheapest hotel", by_price[0])
    else:
        ks = [k for k in (3, 4, 5) if len([h for h in hotels if h["stars"] >= k]) >= 2 and by_price[0]["stars"] < k]
        if not ks:
            raise Reject("no star bound that matters")
        k = rng.choice(ks)
        cands = [h for h in by_price if h["stars"] >= k]
        ans, runner = cands[0], cands[1]
        rule = f"the cheapest hotel in {y} with at least {k} stars"
        look = call("search_hotels", city=y, min_stars=k)
        other = ("ignored the star rating", by_price[0])
    w = hotel_want(ans, date, nights)
    mutants = [
        ("booked the runner-up", [book(hotel_want(runner, date, nights))]),
        ("checked in a day later", [book(hotel_want(ans, day(date, 1), nights))]),
        ("one night too many", [book(hotel_want(ans, date, nights + 1))]),
    ]
    if other[1] is not ans:
        mutants.append((other[0], [book(hotel_want(other[1], date, nights))]))
    return draft(f"Book {nights} night{'s' if nights > 1 else ''} at {rule}, checking in on {date}. Then call submit.",
                 HOTEL_TOOLS, [look], [book(w)], mutants)


def t1_attraction(rng, cat):
    _x, y = world(rng, cat, 2)
    finish_world(cat, [], 3)
    date = cat.start
    category = rng.choice(CATEGORIES)
    cands = ensure_attractions(cat, y, category, 2)
    # One rule only at this tier: every candidate is open that day.
    for a in cands:
        if not open_on(a, date):
            a["closed_on"] = None
    by_price = ranked(cands, lambda a: a["price"])
    ans = by_price[0]
    later = next(day(date, k) for k in (1, 2) if open_on(ans, day(date, k)))
    mutants = [
        ("booked the runner-up", [book(attraction_want(by_price[1], date))]),
        ("booked another day", [book(attraction_want(ans, later))]),
    ]
    others = [a for a in cat.city_attractions(y) if a["category"] != category and open_on(a, date)]
    if others:
        mutants.append(("booked another category", [book(attraction_want(min(others, key=lambda a: a["price"]), date))]))
    return draft(
        f'Book a ticket for the cheapest attraction of category "{category}" in {y}, for {date}. Then call submit.',
        ATTRACTION_TOOLS, [call("search_attractions", city=y, category=category)], [book(attraction_want(ans, date))],
        mutants,
    )


# ---- tier 2: a flight and a hotel ---------------------------------------------------------------------------


def t2_budget(rng, cat):
    x, y = world(rng, cat, 2)
    date, nights = cat.start, rng.randint(2, 5)
    leg = trip_leg(rng, cat, x, y, date)
    finish_world(cat, [leg], nights + 2)
    flights = cheapest(leg)
    k = rng.choice([3, 4])
    cands = [h for h in cat.city_hotels(y) if h["stars"] >= k]
    if len(cands) < 2:
        raise Reject("too few hotels")
    cands = ranked(cands, lambda h: -h["rating"])
    hotel, over, budget = budget_pick(rng, cands, flights[0]["price"], nights)
    f, h = flight_want(flights[0]), hotel_want(hotel, date, nights)
    acts = [book(f), book(h)]
    cheap = min(cands, key=lambda c: c["price"])
    mutants = [
        ("booked a better hotel over budget", swap(acts, h, hotel_want(over, date, nights))),
        ("booked the second-cheapest flight", swap(acts, f, flight_want(flights[1]))),
        ("checked in a day late", swap(acts, h, hotel_want(hotel, day(date, 1), nights))),
        ("one night short", swap(acts, h, hotel_want(hotel, date, nights - 1))),
        ("forgot the flight", swap(acts, f, None)),
    ]
    if cheap is not hotel:
        mutants.append(("booked the cheapest hotel instead", swap(acts, h, hotel_want(cheap, date, nights))))
    prompt = (
        f"Plan a trip: fly from {x} to {y} on {date} and stay {nights} nights in {y}, checking in on {date}.\n"
        f"1. Book the cheapest flight from {x} to {y} on {date}.\n"
        f"2. Book the highest-rated hotel in {y} with at least {k} stars such that the flight plus the {nights} "
        f"nights cost at most ${budget} in total.\n"
        "When both are booked, call submit."
    )
    looks = [search_flights(x, y, date), call("search_hotels", city=y, min_stars=k, sort="rating")]
    return draft(prompt, TRIP_TOOLS, looks, acts, mutants, budget=budget)


def t2_preferences(rng, cat):
    x, y = world(rng, cat, 2)
    date, nights = cat.start, rng.randint(2, 5)
    leg = trip_leg(rng, cat, x, y, date)
    finish_world(cat, [leg], nights + 2)
    overall = cheapest(leg)[0]
    hours = [h for h in range(8, 19)
             if overall["depart"] < 60 * h and len([f for f in leg if f["depart"] >= 60 * h]) >= 2]
    if not hours:
        raise Reject("no departure bound that matters")
    hour = rng.choice(hours)
    late = cheapest([f for f in leg if f["depart"] >= 60 * hour])
    k = rng.choice([3, 4])
    starred = sorted([h for h in cat.city_hotels(y) if h["stars"] >= k], key=lambda h: h["price"])
    amenities = [a for a in sorted({a for h in starred for a in h["amenities"]})
                 if starred and a not in starred[0]["amenities"]]
    if not amenities:
        raise Reject("no amenity that matters")
    amenity = rng.choice(amenities)
    cands = [h for h in starred if amenity in h["amenities"]]
    hotel = cands[0]
    f, h = flight_want(late[0]), hotel_want(hotel, date, nights)
    acts = [book(f), book(h)]
    total = late[0]["price"] + nights * hotel["price"]
    budget = total + rng.randint(0, 80)
    budget += -budget % 10
    mutants = [
        ("took the cheapest flight, which leaves too early", swap(acts, f, flight_want(overall))),
        ("booked the cheapest hotel without the amenity", swap(acts, h, hotel_want(starred[0], date, nights))),
        ("checked in a day late", swap(acts, h, hotel_want(hotel, day(date, 1), nights))),
        ("forgot the hotel", swap(acts, h, None)),
    ]
    if len(cands) > 1:
        mutants.append(("booked a dearer matching hotel", swap(acts, h, hotel_want(cands[1], date, nights))))
    prompt = (
        f"Plan a trip: fly from {x} to {y} on {date} and stay {nights} nights in {y}, checking in on {date}.\n"
        f"1. Book the cheapest flight from {x} to {y} on {date} that departs at {clock(60 * hour)} or later.\n"
        f'2. Book the cheapest hotel in {y} with at least {k} stars that has "{amenity}" among its amenities.\n'
        f"The flight and the hotel together must cost at most ${budget}. When both are booked, call submit."
    )
    looks = [search_flights(x, y, date), call("search_hotels", city=y, min_stars=k, amenity=amenity)]
    return draft(prompt, TRIP_TOOLS, looks, acts, mutants, budget=budget)


# ---- tier 3: flight, hotel, attraction, a wrong booking to cancel and one to keep -----------------------------


def t3_trip(rng, cat):
    x, y = world(rng, cat, 2)
    date, nights = cat.start, rng.randint(2, 5)
    leg = trip_leg(rng, cat, x, y, date)
    finish_world(cat, [leg], nights + 2)
    # Flight: after an hour, seats left; the cheapest such flight is sold out.
    hours = [h for h in range(8, 18)
             if len([f for f in leg if f["depart"] >= 60 * h]) >= 3 and any(f["depart"] < 60 * h for f in leg)]
    if not hours:
        raise Reject("no departure bound that matters")
    hour = rng.choice(hours)
    late = ranked([f for f in leg if f["depart"] >= 60 * hour], lambda f: f["price"])
    late[0]["seats"] = 0
    flight = late[1]
    early = cheapest([f for f in leg if f["depart"] < 60 * hour])[0]
    # The booking to keep: another category's attraction during the stay.
    keep_cat, category = rng.sample(CATEGORIES, 2)
    kept_item = ensure_attractions(cat, y, keep_cat, 1)[0]
    kept_date = day(date, rng.randrange(nights))
    if not open_on(kept_item, kept_date):
        kept_item["closed_on"] = None
    # Attraction: the cheapest of the category is closed that day.
    visit = day(date, rng.randint(1, nights - 1))
    cands = ensure_attractions(cat, y, category, 3)
    for a in cands:
        if not open_on(a, visit):
            a["closed_on"] = None
    by_price = ranked(cands, lambda a: a["price"])
    by_price[0]["closed_on"] = weekday(visit)
    attraction = by_price[1]
    # Hotel: stars, an amenity and the whole trip's budget.
    k = rng.choice([3, 4])
    starred = [h for h in cat.city_hotels(y) if h["stars"] >= k]
    amenities = sorted({a for h in starred for a in h["amenities"]})
    rng.shuffle(amenities)
    amenity = next((a for a in amenities if len([h for h in starred if a in h["amenities"]]) >= 2), None)
    if amenity is None:
        raise Reject("too few hotels")
    cands = ranked([h for h in starred if amenity in h["amenities"]], lambda h: -h["rating"])
    fixed = flight["price"] + attraction["price"] + kept_item["price"]
    hotel, over, budget = budget_pick(rng, cands, fixed, nights)
    # A better-rated hotel within budget that lacks the amenity.
    ratings = {h["rating"] for h in cat.city_hotels(y)}
    free = [r for r in range(hotel["rating"] + 1, 99) if r not in ratings]
    lacking = None
    if free and hotel["price"] > 40:
        prices = {h["price"] for h in cat.city_hotels(y)}
        price = next((p for p in range(hotel["price"] - rng.randint(1, 25), 20, -1) if p not in prices), None)
        if price is not None:
            amen = [a for a in hotel["amenities"] if a != amenity] or ["parking"]
            lacking = cat.add_hotel(y, rng.randint(k, 5), rating=rng.choice(free), price=price, amenities=amen)
    # Earlier bookings, in random order: the kept ticket and a wrong stay.
    kept_want = attraction_want(kept_item, kept_date)
    wrong_hotel = rng.choice([hotel, rng.choice([h for h in cat.city_hotels(y) if h is not hotel])])
    wrong_want = hotel_want(wrong_hotel, day(date, 1) if wrong_hotel is hotel else date, nights)
    first, second = (kept_want, wrong_want) if rng.random() < 0.5 else (wrong_want, kept_want)
    first, second = cat.add_booking(first), cat.add_booking(second)
    kept, wrong = (first, second) if first["kind"] == "attraction" else (second, first)

    f, h, a = flight_want(flight), hotel_want(hotel, date, nights), attraction_want(attraction, visit)
    acts = [cancel(wrong), book(f), book(h), book(a)]
    other_day = next((day(date, d) for d in range(nights) if day(date, d) != visit and open_on(attraction, day(date, d))), None)
    mutants = [
        ("left the wrong stay booked", acts[1:]),
        ("cancelled the booking to keep", [cancel(kept)] + acts[1:]),
        ("took a flight that leaves too early", swap(acts, f, flight_want(early))),
        ("booked a better hotel over budget", swap(acts, h, hotel_want(over, date, nights))),
        ("submitted the total without the kept ticket", acts, -kept_item["price"]),
    ]
    if lacking is not None:
        mutants.append(("booked a better hotel without the amenity", swap(acts, h, hotel_want(lacking, date, nights))))
    if other_day is not None:
        mutants.append(("booked the attraction on another day", swap(acts, a, attraction_want(attraction, other_day))))
    if len(late) > 2:
        mutants.append(("took a dearer flight", swap(acts, f, flight_want(late[2]))))
    prompt = (
        f"You are planning a trip from {x} to {y}: fly on {date} and stay {nights} nights in {y} "
        f"(check in on {date}, check out on {day(date, nights)}).\n"
        f"Two bookings for this trip were made earlier (see list_bookings). Keep the {keep_cat} ticket. "
        "The hotel booking is wrong: cancel it.\n"
        "Then book:\n"
        f"1. The cheapest flight from {x} to {y} on {date} that departs at {clock(60 * hour)} or later and still has seats.\n"
        f'2. For the {nights} nights, the highest-rated hotel in {y} with at least {k} stars that has "{amenity}" among its amenities, '
        f"such that the whole trip (every booking, the kept ticket included) costs at most ${budget}.\n"
        f'3. The cheapest attraction of category "{category}" in {y} that is open on {visit} ({weekday_name(visit)}), '
        "booked for that day.\n"
        "Finally call submit with total_cost, the total cost of all your bookings."
    )
    looks = [
        call("list_bookings"), search_flights(x, y, date),
        call("search_hotels", city=y, min_stars=k, amenity=amenity, sort="rating"),
        call("search_attractions", city=y, category=category),
        call("attraction_details", attraction_id=by_price[0]["id"]),
        call("attraction_details", attraction_id=attraction["id"]),
    ]
    # The cancel comes first: it is what list_bookings showed.
    looks_then = [looks[0], act_call(acts[0])] + looks[1:]
    return draft(prompt, ALL_TOOLS, looks_then, acts[1:], mutants, budget=budget, answer=True,
                 after=[call("list_bookings")]) | {"pre_acts": acts[:1]}


# ---- tier 4: a multi-city round trip ---------------------------------------------------------------------------


def t4_trip(rng, cat):
    stops_n = rng.choice([2, 2, 3])
    cities = world(rng, cat, stops_n + 1)
    home, stops = cities[0], cities[1:]
    nights = [rng.randint(2, 4) for _ in stops]
    arrive = [day(cat.start, sum(nights[:i])) for i in range(stops_n)]
    route = [home] + stops + [home]
    dates = arrive + [day(cat.start, sum(nights))]
    legs = []
    for i in range(len(route) - 1):
        leg = trip_leg(rng, cat, route[i], route[i + 1], dates[i])
        if rng.random() < 0.5 and len(leg) >= 3:
            min(leg, key=lambda f: f["price"])["seats"] = 0
        legs.append(leg)
    finish_world(cat, legs, sum(nights) + 1)
    flights = [cheapest(leg) for leg in legs]
    k = rng.choice([3, 4])
    hotels, caps, overs = [], [], []
    for city in stops:
        cands = [h for h in cat.city_hotels(city) if h["stars"] >= k]
        if not cands:
            raise Reject("no hotel")
        hotel, over, cap = cap_pick(rng, ranked(cands, lambda h: -h["rating"]))
        hotels.append(hotel)
        caps.append(cap)
        overs.append(over)
    if all(o is None for o in overs):
        raise Reject("no cap binds")
    # The attraction: in one stop, on the first full day there.
    at = rng.randrange(stops_n)
    visit = day(arrive[at], 1)
    category = rng.choice(CATEGORIES)
    cands = ensure_attractions(cat, stops[at], category, 3)
    for a in cands:
        if not open_on(a, visit):
            a["closed_on"] = None
    by_price = ranked(cands, lambda a: a["price"])
    closed = rng.random() < 0.6
    if closed:
        by_price[0]["closed_on"] = weekday(visit)
    attraction = by_price[1] if closed else by_price[0]
    wrong = None
    if rng.random() < 0.6:
        near = [f for off in (-1, 1) for f in cat.leg(home, stops[0], day(cat.start, off)) if f["seats"] > 0]
        if near:
            wrong = cat.add_booking(flight_want(rng.choice(near)))

    fw = [flight_want(f[0]) for f in flights]
    hw = [hotel_want(h, arrive[i], nights[i]) for i, h in enumerate(hotels)]
    aw = attraction_want(attraction, visit)
    acts = [book(w) for pair in zip(fw, hw) for w in pair] + [book(fw[-1]), book(aw)]
    total = sum(f[0]["price"] for f in flights) + sum(h["price"] * n for h, n in zip(hotels, nights)) + attraction["price"]
    budget = total + rng.randint(0, 150)
    budget += -budget % 10

    mutants = [
        ("checked in a day late at the last stop", swap(acts, hw[-1], hotel_want(hotels[-1], day(arrive[-1], 1), nights[-1]))),
        ("skipped the flight home", swap(acts, fw[-1], None)),
        ("submitted the total without the attraction", acts, -attraction["price"]),
    ]
    binding = [i for i, o in enumerate(overs) if o is not None]
    i = rng.choice(binding)
    mutants.append((f"ignored the nightly cap in {stops[i]}", swap(acts, hw[i], hotel_want(overs[i], arrive[i], nights[i]))))
    i = rng.randrange(len(flights))
    mutants.append((f"took the runner-up flight on leg {i + 1}", swap(acts, fw[i], flight_want(flights[i][1]))))
    early_home = [f for f in cat.leg(stops[-1], home, day(dates[-1], -1)) if f["seats"] > 0]
    if early_home:
        mutants.append(("flew home a day early", swap(acts, fw[-1], flight_want(min(early_home, key=lambda f: f["price"])))))
    if open_on(attraction, arrive[at]):
        mutants.append(("booked the attraction on the arrival day", swap(acts, aw, attraction_want(attraction, arrive[at]))))
    if wrong is not None:
        mutants.append(("left the wrong flight booked", list(acts)))
    if closed:
        mutants.append(("booked the closed attraction's next open day", swap(acts, aw, attraction_want(
            by_price[0], next(day(visit, d) for d in (1, 2) if open_on(by_price[0], day(visit, d)))))))
    pre_acts = [cancel(wrong)] if wrong is not None else []
    mutants = [(m[0], pre_acts + m[1], *m[2:]) if m[0] != "left the wrong flight booked" else m for m in mutants]

    legs_text = [f"- fly from {home} to {stops[0]} on {cat.start} and stay {nights[0]} nights in {stops[0]};"]
    for i in range(1, stops_n):
        legs_text.append(f"- then fly from {stops[i - 1]} to {stops[i]} on the day you check out and stay {nights[i]} nights in {stops[i]};")
    legs_text.append(f"- then fly from {stops[-1]} back to {home} on the day you check out.")
    cap_text = ", ".join(f"{c}: ${p}" for c, p in zip(stops, caps))
    prompt = (
        f"Plan a round trip that starts and ends in {home}, leaving on {cat.start}:\n" + "\n".join(legs_text) + "\n"
        "Book everything by these rules:\n"
        "1. Every flight: the cheapest flight of that route and day that still has seats.\n"
        f"2. Every stay: the highest-rated hotel in that city with at least {k} stars whose nightly price is at most "
        f"the city's cap ({cap_text}); check in on the day you arrive.\n"
        f'3. In {stops[at]}, the cheapest attraction of category "{category}" that is open on your first full day '
        "there (the day after you arrive), booked for that day.\n"
        f"4. The whole trip must cost at most ${budget}.\n"
        + ("An old booking for this trip (see list_bookings) has the first flight on the wrong day: cancel it.\n" if wrong else "")
        + "Finally call submit with total_cost, the total cost of all your bookings."
    )
    looks = [call("list_bookings")] + [act_call(a) for a in pre_acts]
    looks += [search_flights(route[i], route[i + 1], dates[i]) for i in range(len(legs))]
    looks += [call("search_hotels", city=c, min_stars=k, max_price=p, sort="rating") for c, p in zip(stops, caps)]
    looks.append(call("search_attractions", city=stops[at], category=category))
    if closed:
        looks.append(call("attraction_details", attraction_id=by_price[0]["id"]))
    looks.append(call("attraction_details", attraction_id=attraction["id"]))
    return draft(prompt, ALL_TOOLS, looks, acts, mutants, budget=budget, answer=True,
                 after=[call("list_bookings")]) | {"pre_acts": pre_acts}


TEMPLATES = {
    0: [t0_flight, t0_hotel, t0_attraction, t0_flight, t0_hotel, t0_attraction, t0_cancel],
    1: [t1_flight, t1_hotel, t1_attraction],
    2: [t2_budget, t2_preferences],
    3: [t3_trip],
    4: [t4_trip],
}


# ---- the verifier: a JSON Schema over {submitted, state} ---------------------------------------------------------


def booking_schema(want):
    return {
        "type": "object",
        "required": ["kind", "item", "date", "nights"],
        "properties": {key: {"const": want[key]} for key in ("kind", "item", "date", "nights")},
    }


def outcome_schema(final, total, budget, answer):
    """Exactly these active bookings (each one once, nothing else), the total the probe computes, and for answer
    tasks that total submitted."""
    total_schema = {"type": "integer", "const": total}
    if budget is not None:
        total_schema["maximum"] = budget
    submitted = {"type": "object"}
    if answer:
        submitted = {"type": "object", "required": ["total_cost"], "properties": {"total_cost": {"const": total}}}
    return {
        "$schema": SCHEMA,
        "type": "object",
        "required": ["submitted", "state"],
        "properties": {
            "submitted": submitted,
            "state": {
                "type": "object",
                "required": ["db", "bookings", "active_count", "total_cost"],
                "properties": {
                    "db": {"const": "ok"},
                    "active_count": {"const": len(final)},
                    "bookings": {
                        "type": "array", "minItems": len(final), "maxItems": len(final),
                        "allOf": [{"contains": booking_schema(w)} for w in final],
                    },
                    "total_cost": total_schema,
                },
            },
        },
    }


def submit_call(answer, total):
    return call("submit", total_cost=total) if answer else call("submit")


def build(rng, cat, d):
    pre = d.get("pre_acts", [])
    acts = pre + d["acts"]
    final = simulate(cat, acts)
    if len({json.dumps(w, sort_keys=True) for w in final}) != len(final):
        raise RuntimeError("trip-planner: the reference books one thing twice")
    total = sum(cat.cost(w) for w in final)
    if d["budget"] is not None and total > d["budget"]:
        raise RuntimeError("trip-planner: the reference is over budget")
    reference = d["looks"] + [act_call(a) for a in d["acts"]] + d["after"] + [submit_call(d["answer"], total)]
    mutants, names, values = [], set(), []
    for m in d["mutants"]:
        name, m_acts = m[0], m[1]
        try:
            m_final = simulate(cat, m_acts)
        except (Refused, KeyError):
            continue
        m_total = sum(cat.cost(w) for w in m_final) + (m[2] if len(m) > 2 else 0)
        same_state = canonical(m_final) == canonical(final)
        if name in names or (same_state and (not d["answer"] or m_total == total)):
            continue
        names.add(name)
        values.append(m_total)
        mutants.append({"name": name, "calls": [act_call(a) for a in m_acts] + [submit_call(d["answer"], m_total)]})
    if not mutants:
        raise Reject("no mutant")
    # Each mutant is a rollout: a few, drawn, keep the gates' cost bounded.
    if len(mutants) > MAX_MUTANTS:
        mutants = rng.sample(mutants, MAX_MUTANTS)
    return final, total, reference, mutants, values


def make_task(seed, tier, index):
    if not isinstance(tier, int) or not 0 <= tier <= MAX_TIER:
        raise ValueError(f"trip-planner: tier {tier!r} does not exist (tiers are 0..{MAX_TIER})")
    # Seeding with a string hashes it (SHA-512): stable across Python versions and runs.
    rng = random.Random(f"trip-planner#{seed}#{tier}#{index}")
    for _ in range(MAX_ATTEMPTS):
        cat = Catalog(rng, tier)
        try:
            d = rng.choice(TEMPLATES[tier])(rng, cat)
            final, total, reference, mutants, values = build(rng, cat, d)
        except Reject:
            continue
        task = {
            "prompt": d["prompt"],
            "tools": d["tools"],
            "submit": TOTAL_ARGS if d["answer"] else NO_ARGS,
            "reference": reference,
            "outcomeSchema": outcome_schema(final, total, d["budget"], d["answer"]),
            "mutants": mutants,
            "catalog": cat,
        }
        if d["answer"]:
            window = list(range(max(0, total - GUESS_WINDOW), total + GUESS_WINDOW + 1))
            task["guess"] = {"field": "total_cost", "candidates": window + [v for v in values if v not in window]}
        return task
    raise RuntimeError(f"trip-planner: no sound task in {MAX_ATTEMPTS} draws (tier {tier})")
