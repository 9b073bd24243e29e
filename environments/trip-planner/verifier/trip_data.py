"""The travel catalog of a `trip-planner` task: cities, flights, hotels, attractions and the bookings made before
the agent starts. Private to the verifier: the generator, setup and probe each rebuild it from the task's random
stream, so the probe judges prices and dates from its own copy, never from the database the agent's tools wrote.

A Catalog is plain Python data until to_database() turns it into the SQLite file setup writes (trips.db). Every
id (F-, H-, A- and B- followed by four digits) is drawn at random, so no id can be guessed from another.
"""
import datetime
import sqlite3

DB_NAME = "trips.db"

# (city, country): plain ASCII names, several of them two or three words.
CITIES = [
    ("Lisbon", "Portugal"), ("Porto", "Portugal"), ("Madrid", "Spain"), ("Barcelona", "Spain"), ("Seville", "Spain"),
    ("Valencia", "Spain"), ("Paris", "France"), ("Lyon", "France"), ("Nice", "France"), ("Marseille", "France"),
    ("Bordeaux", "France"), ("Rome", "Italy"), ("Milan", "Italy"), ("Florence", "Italy"), ("Venice", "Italy"),
    ("Naples", "Italy"), ("Turin", "Italy"), ("Berlin", "Germany"), ("Munich", "Germany"), ("Hamburg", "Germany"),
    ("Cologne", "Germany"), ("Frankfurt", "Germany"), ("Vienna", "Austria"), ("Salzburg", "Austria"),
    ("Zurich", "Switzerland"), ("Geneva", "Switzerland"), ("Amsterdam", "Netherlands"), ("Rotterdam", "Netherlands"),
    ("Brussels", "Belgium"), ("Bruges", "Belgium"), ("London", "United Kingdom"), ("Edinburgh", "United Kingdom"),
    ("Manchester", "United Kingdom"), ("Dublin", "Ireland"), ("Copenhagen", "Denmark"), ("Stockholm", "Sweden"),
    ("Oslo", "Norway"), ("Helsinki", "Finland"), ("Reykjavik", "Iceland"), ("Prague", "Czechia"),
    ("Krakow", "Poland"), ("Warsaw", "Poland"), ("Budapest", "Hungary"), ("Athens", "Greece"),
    ("Thessaloniki", "Greece"), ("Istanbul", "Turkey"), ("Dubrovnik", "Croatia"), ("Split", "Croatia"),
    ("Ljubljana", "Slovenia"), ("Tallinn", "Estonia"), ("Riga", "Latvia"), ("Vilnius", "Lithuania"),
    ("Bucharest", "Romania"), ("Sofia", "Bulgaria"), ("Marrakesh", "Morocco"), ("Cairo", "Egypt"),
    ("Cape Town", "South Africa"), ("Nairobi", "Kenya"), ("Dubai", "United Arab Emirates"), ("Doha", "Qatar"),
    ("Mumbai", "India"), ("Delhi", "India"), ("Bangkok", "Thailand"), ("Chiang Mai", "Thailand"),
    ("Singapore", "Singapore"), ("Kuala Lumpur", "Malaysia"), ("Denpasar", "Indonesia"), ("Hanoi", "Vietnam"),
    ("Seoul", "South Korea"), ("Busan", "South Korea"), ("Tokyo", "Japan"), ("Osaka", "Japan"), ("Kyoto", "Japan"),
    ("Taipei", "Taiwan"), ("Hong Kong", "China"), ("Shanghai", "China"), ("Sydney", "Australia"),
    ("Melbourne", "Australia"), ("Auckland", "New Zealand"), ("New York", "United States"),
    ("Boston", "United States"), ("Chicago", "United States"), ("San Francisco", "United States"),
    ("Los Angeles", "United States"), ("Seattle", "United States"), ("Miami", "United States"),
    ("New Orleans", "United States"), ("Toronto", "Canada"), ("Montreal", "Canada"), ("Vancouver", "Canada"),
    ("Mexico City", "Mexico"), ("Lima", "Peru"), ("Cusco", "Peru"), ("Bogota", "Colombia"),
    ("Buenos Aires", "Argentina"), ("Santiago", "Chile"), ("Rio de Janeiro", "Brazil"), ("Sao Paulo", "Brazil"),
]
COUNTRY = dict(CITIES)
CITY_NAMES = [name for name, _ in CITIES]

AIRLINES = [
    "Aerolume", "BlueJet", "Coastline Air", "Falcon Airways", "Horizon Link", "Meridian", "Nordwind Air", "Orion Air",
    "Pacifica", "Polar Air", "SkyBridge", "SunWing", "TransAtlas", "Vista Air", "Zephyr",
]
AIRCRAFT = ["A220", "A320", "A321", "A350", "B737", "B787", "E190", "ATR 72"]
BAGS = ["carry-on only", "1 checked bag", "2 checked bags"]

HOTEL_WORDS = [
    "Grand", "Royal", "Harbor", "Garden", "Central", "Park", "City", "Old Town", "Riverside", "Sunset", "Plaza",
    "Metro", "Lakeview", "Skyline", "Palace", "Heritage", "Urban", "Azure", "Maple", "Cedar", "Ivory", "Lantern",
    "Meridian", "Orchid", "Pearl", "Silver", "Summit", "Tower", "Velvet", "Willow",
]
HOTEL_KINDS = ["Hotel", "Inn", "Suites", "Lodge", "Residence", "House", "Resort", "Hostel"]
DISTRICTS = [
    "Old Town", "City Center", "Harbor", "University Quarter", "Riverside", "Station", "Museum District",
    "Airport Area", "Beachfront", "Hillside", "Market Quarter", "Financial District",
]
AMENITIES = [
    "wifi", "breakfast", "pool", "gym", "spa", "parking", "airport shuttle", "pets allowed", "restaurant", "bar",
    "laundry", "air conditioning",
]
# Nightly price range by star rating, in whole dollars.
STAR_PRICE = {1: (35, 80), 2: (55, 125), 3: (85, 195), 4: (135, 330), 5: (215, 560)}
STAR_WEIGHTS = [6, 16, 34, 29, 15]

# Attraction nouns by category; a city's attraction is "<city> <noun>", so names are unique within a city.
ATTRACTIONS = {
    "museum": ["Art Museum", "History Museum", "Science Museum", "Maritime Museum", "Design Museum",
               "Natural History Museum", "Photography Museum", "Toy Museum"],
    "tour": ["Walking Tour", "Bike Tour", "Old Town Tour", "Street Art Tour", "Night Tour", "Segway Tour"],
    "park": ["Botanical Garden", "City Park", "Zoo", "Aquarium", "Water Park"],
    "show": ["Jazz Night", "Opera Evening", "Comedy Show", "Dance Show", "Concert Recital"],
    "food": ["Food Market Tour", "Cooking Class", "Wine Tasting", "Street Food Tour", "Coffee Tasting"],
    "gallery": ["Modern Art Gallery", "Photo Gallery", "Sculpture Hall", "Print Gallery"],
    "cruise": ["Harbor Cruise", "River Cruise", "Sunset Cruise", "Island Cruise"],
    "landmark": ["Cathedral Visit", "Castle Visit", "Tower Climb", "Old Fort", "Observation Deck"],
}
CATEGORIES = list(ATTRACTIONS)
CATEGORY_PRICE = {
    "museum": (8, 40), "tour": (15, 90), "park": (5, 60), "show": (25, 140), "food": (20, 120), "gallery": (5, 35),
    "cruise": (20, 110), "landmark": (6, 45),
}
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

# Trips start between these days; flights exist around them.
FIRST_DAY = datetime.date(2026, 3, 2)
START_DAYS = 600

# Catalog size per tier: cities in the database, hotels and attractions per city, flights per searched leg, and
# background flights (other routes and days) that searches may hit.
SCALE = {
    0: {"cities": (4, 6), "hotels": (3, 5), "attractions": (2, 4), "leg": (2, 4), "noise": (4, 8)},
    1: {"cities": (6, 10), "hotels": (4, 8), "attractions": (4, 8), "leg": (4, 7), "noise": (8, 14)},
    2: {"cities": (8, 12), "hotels": (5, 10), "attractions": (4, 8), "leg": (4, 8), "noise": (10, 18)},
    3: {"cities": (12, 18), "hotels": (7, 12), "attractions": (6, 12), "leg": (6, 9), "noise": (14, 24)},
    4: {"cities": (16, 24), "hotels": (8, 14), "attractions": (6, 12), "leg": (5, 9), "noise": (20, 32)},
}


def day(iso, offset):
    """The ISO date `offset` days after `iso`."""
    return (datetime.date.fromisoformat(iso) + datetime.timedelta(days=offset)).isoformat()


def weekday(iso):
    return datetime.date.fromisoformat(iso).weekday()


def clock(minutes):
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class Catalog:
    """Everything the database holds, drawn from one random stream in a fixed order."""

    def __init__(self, rng, tier):
        self.rng, self.tier, self.scale = rng, tier, SCALE[tier]
        self.cities = []
        self.flights, self.hotels, self.attractions = {}, {}, {}
        self.bookings = []
        self.used = set()
        self.route = {}
        self.start = (FIRST_DAY + datetime.timedelta(days=rng.randrange(START_DAYS))).isoformat()
        # New bookings are numbered on from here (tools read it from the meta table).
        self.next_booking = rng.randint(2000, 8999)

    def new_id(self, prefix):
        while True:
            n = self.rng.randint(1000, 9999)
            if n not in self.used:
                self.used.add(n)
                return f"{prefix}-{n}"

    # ---- cities, hotels, attractions --------------------------------------------------------------------------

    def add_cities(self, names):
        for name in names:
            if name not in self.cities:
                self.cities.append(name)
                self._fill_city(name)

    def _fill_city(self, city):
        rng = self.rng
        n = rng.randint(*self.scale["hotels"])
        for _ in range(n):
            stars = rng.choices([1, 2, 3, 4, 5], STAR_WEIGHTS)[0]
            self.add_hotel(city, stars)
        pairs = [(c, noun) for c in CATEGORIES for noun in ATTRACTIONS[c]]
        for category, noun in rng.sample(pairs, rng.randint(*self.scale["attractions"])):
            self.add_attraction(city, category, noun)

    def city_hotels(self, city):
        return [h for h in self.hotels.values() if h["city"] == city]

    def city_attractions(self, city, category=None):
        return [a for a in self.attractions.values() if a["city"] == city and category in (None, a["category"])]

    def add_hotel(self, city, stars, rating=None, price=None, amenities=None):
        """A hotel; ratings (tenths) and nightly prices are distinct within a city, so "best" and "cheapest" are
        never ties."""
        rng = self.rng
        others = self.city_hotels(city)
        names = {h["name"] for h in others}
        ratings = {h["rating"] for h in others}
        prices = {h["price"] for h in others}
        while True:
            name = f"{rng.choice(HOTEL_WORDS)} {rng.choice(HOTEL_KINDS)}"
            if name not in names:
                break
        if rating is None:
            low = 50 + 6 * stars
            while True:
                rating = rng.randint(low, min(98, low + 30))
                if rating not in ratings:
                    break
        if price is None:
            lo, hi = STAR_PRICE[stars]
            while True:
                price = rng.randint(lo, hi)
                if price not in prices:
                    break
        if amenities is None:
            rest = [a for a in AMENITIES if a != "wifi"]
            amenities = (["wifi"] if rng.random() < 0.8 else []) + rng.sample(rest, rng.randint(1, 3 + stars // 2))
            amenities = [a for a in AMENITIES if a in amenities]
        hotel = {
            "id": self.new_id("H"), "city": city, "name": name, "stars": stars, "rating": rating, "price": price,
            "amenities": amenities, "district": rng.choice(DISTRICTS), "checkin": rng.choice(["14:00", "15:00", "16:00"]),
        }
        self.hotels[hotel["id"]] = hotel
        return hotel

    def add_attraction(self, city, category, noun=None):
        rng = self.rng
        others = self.city_attractions(city)
        taken = {a["name"] for a in others}
        free = [n for n in ATTRACTIONS[category] if f"{city} {n}" not in taken]
        if noun is None:
            if not free:
                return None
            noun = rng.choice(free)
        prices = {a["price"] for a in others if a["category"] == category}
        lo, hi = CATEGORY_PRICE[category]
        while True:
            price = rng.randint(lo, hi)
            if price not in prices:
                break
        attraction = {
            "id": self.new_id("A"), "city": city, "name": f"{city} {noun}", "category": category, "price": price,
            "duration": rng.choice([60, 90, 120, 150, 180, 240, 300]),
            "closed_on": rng.randrange(7) if rng.random() < 0.3 else None,
        }
        self.attractions[attraction["id"]] = attraction
        return attraction

    # ---- flights ----------------------------------------------------------------------------------------------

    def _route(self, a, b):
        key = tuple(sorted((a, b)))
        if key not in self.route:
            self.route[key] = (self.rng.randint(55, 520), self.rng.randint(55, 600))  # base price, minutes
        return self.route[key]

    def add_flights(self, origin, destination, date, count, sold_out=0.0):
        """`count` flights on one leg and day: distinct departure times and prices, all arriving the same day, at
        least two seats each unless drawn sold out (then 0)."""
        rng = self.rng
        base, minutes = self._route(origin, destination)
        leg = self.leg(origin, destination, date)
        departs = {f["depart"] for f in leg}
        prices = {f["price"] for f in leg}
        made = []
        for _ in range(count):
            duration = max(45, minutes + rng.randint(-20, 25))
            latest = (24 * 60 - 10 - duration) // 5
            while True:
                depart = 5 * rng.randint(5 * 12, max(5 * 12 + 10, min(latest, 21 * 12)))
                if depart not in departs:
                    break
            while True:
                price = max(29, round(base * rng.uniform(0.65, 1.8)))
                if price not in prices:
                    break
            departs.add(depart)
            prices.add(price)
            flight = {
                "id": self.new_id("F"), "airline": rng.choice(AIRLINES), "from": origin, "to": destination,
                "date": date, "depart": depart, "arrive": depart + duration, "price": price,
                "seats": 0 if rng.random() < sold_out else rng.randint(2, 160),
                "aircraft": rng.choice(AIRCRAFT), "bags": rng.choice(BAGS),
            }
            self.flights[flight["id"]] = flight
            made.append(flight)
        return made

    def leg(self, origin, destination, date):
        return [f for f in self.flights.values() if (f["from"], f["to"], f["date"]) == (origin, destination, date)]

    def add_noise(self, first, days):
        """Background flights on random routes and days around the trip, so searches find other rows too."""
        rng = self.rng
        for _ in range(rng.randint(*self.scale["noise"])):
            a, b = rng.sample(self.cities, 2)
            self.add_flights(a, b, day(first, rng.randrange(-2, days + 2)), rng.randint(1, 3), sold_out=0.1)

    # ---- bookings made before the episode -----------------------------------------------------------------------

    def cost(self, booking):
        """What a booking costs by this catalog: the flight's price, nightly price times nights, the ticket."""
        kind, item = booking["kind"], booking["item"]
        if kind == "flight":
            return self.flights[item]["price"]
        if kind == "hotel":
            return self.hotels[item]["price"] * booking["nights"]
        return self.attractions[item]["price"]

    def add_booking(self, want):
        booking = {"id": self.new_id("B"), **want}
        self.bookings.append(booking)
        return booking

    # ---- the database -----------------------------------------------------------------------------------------

    def to_database(self):
        conn = sqlite3.connect(":memory:")
        conn.executescript(
            """
            CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            CREATE TABLE cities (name TEXT PRIMARY KEY, country TEXT NOT NULL);
            CREATE TABLE flights (id TEXT PRIMARY KEY, airline TEXT, origin TEXT, destination TEXT, date TEXT,
                depart TEXT, arrive TEXT, minutes INTEGER, price INTEGER, seats INTEGER, aircraft TEXT, bags TEXT);
            CREATE INDEX flights_leg ON flights (origin, destination, date);
            CREATE TABLE hotels (id TEXT PRIMARY KEY, city TEXT, name TEXT, stars INTEGER, rating INTEGER,
                price INTEGER, amenities TEXT, district TEXT, checkin TEXT);
            CREATE TABLE attractions (id TEXT PRIMARY KEY, city TEXT, name TEXT, category TEXT, price INTEGER,
                minutes INTEGER, closed_on INTEGER);
            CREATE TABLE bookings (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, item TEXT NOT NULL, date TEXT,
                nights INTEGER, price INTEGER NOT NULL, status TEXT NOT NULL);
            """
        )
        conn.execute("INSERT INTO meta VALUES ('next_booking', ?)", (self.next_booking,))
        conn.executemany("INSERT INTO cities VALUES (?, ?)", [(c, COUNTRY[c]) for c in sorted(self.cities)])
        conn.executemany(
            "INSERT INTO flights VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(f["id"], f["airline"], f["from"], f["to"], f["date"], clock(f["depart"]), clock(f["arrive"]),
              f["arrive"] - f["depart"], f["price"], f["seats"], f["aircraft"], f["bags"]) for f in self.flights.values()],
        )
        conn.executemany(
            "INSERT INTO hotels VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(h["id"], h["city"], h["name"], h["stars"], h["rating"], h["price"], ", ".join(h["amenities"]),
              h["district"], h["checkin"]) for h in self.hotels.values()],
        )
        conn.executemany(
            "INSERT INTO attractions VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(a["id"], a["city"], a["name"], a["category"], a["price"], a["duration"], a["closed_on"])
             for a in self.attractions.values()],
        )
        conn.executemany(
            "INSERT INTO bookings VALUES (?, ?, ?, ?, ?, ?, 'active')",
            [(int(b["id"][2:]), b["kind"], b["item"], b["date"], b["nights"], self.cost(b)) for b in self.bookings],
        )
        conn.commit()
        return conn
