"""The shop database of a `sql-analytics` task, built from the task's random stream. Private to the verifier.

build_database(rng, tier) draws everything first from the stream (so setup, which needs only the database, and
the generator, which goes on to draw the question, see the same database), creates the tables the tier has in an
in-memory SQLite database and returns it with the drawn rows. serialize() of that database is byte for byte the
file setup writes, so the generator knows the file's sha256 without writing anything.
"""
import datetime
import itertools
import sqlite3

FIRST = [
    "Ada", "Alan", "Alice", "Amara", "Anna", "Arjun", "Ben", "Bianca", "Carlos", "Chen", "Clara", "Daniel", "Dara",
    "Diego", "Elena", "Emil", "Erik", "Fatima", "Felix", "Grace", "Hana", "Hugo", "Ines", "Ivan", "Jade", "James",
    "Jonas", "Julia", "Kai", "Karim", "Lara", "Leo", "Lina", "Luca", "Maya", "Mei", "Milan", "Mira", "Nadia", "Noah",
    "Nora", "Omar", "Oscar", "Paula", "Pedro", "Priya", "Quinn", "Rafael", "Rosa", "Sami", "Sara", "Simon", "Sofia",
    "Tariq", "Tess", "Theo", "Uma", "Victor", "Wanda", "Yusuf", "Zara", "Zoe",
]
LAST = [
    "Abbott", "Alvarez", "Bakker", "Berg", "Brooks", "Castro", "Dalton", "Diaz", "Eriksen", "Evans", "Farah", "Fischer",
    "Garcia", "Greene", "Hayes", "Horvat", "Ibrahim", "Ito", "Jansen", "Jensen", "Kaur", "Keller", "Khan", "Kowalski",
    "Larsen", "Lopez", "Marsh", "Meyer", "Moreau", "Nakamura", "Novak", "Nunez", "Okafor", "Olsen", "Ortiz", "Park",
    "Patel", "Quinlan", "Reyes", "Rossi", "Santos", "Schmidt", "Silva", "Singh", "Sorensen", "Tanaka", "Torres",
    "Ueda", "Varga", "Vogel", "Walsh", "Weber", "Wong", "Yilmaz", "Young", "Zhang", "Ziegler",
]
CITIES = [
    "Aberdeen", "Ashford", "Bayport", "Bristol", "Cedar Falls", "Clearwater", "Dover", "Eastwood", "Fairview",
    "Glenrock", "Greenville", "Harbor City", "Hillcrest", "Kingsport", "Lakeside", "Maplewood", "Millbrook",
    "Newport", "Northgate", "Oakridge", "Pinehurst", "Riverton", "Rockport", "Springfield", "Stonebridge",
    "Westfield", "Willowdale", "Woodbury",
]
REGIONS = ["North", "South", "East", "West", "Central", "Coastal", "Highlands", "Lakes", "Valley", "Plains"]
CATEGORIES = ["Garden", "Kitchen", "Office", "Toys", "Sports", "Books", "Electronics", "Beauty", "Pets", "Outdoor"]
ADJECTIVES = [
    "Amber", "Arctic", "Bold", "Brass", "Bright", "Classic", "Cobalt", "Compact", "Copper", "Cozy", "Crystal", "Deluxe",
    "Desert", "Eco", "Electric", "Emerald", "Golden", "Granite", "Handy", "Ivory", "Jade", "Lunar", "Maple", "Mini",
    "Nordic", "Ocean", "Pearl", "Pocket", "Prime", "Royal", "Rustic", "Silver", "Smart", "Solar", "Swift", "Tidy",
    "Urban", "Velvet", "Vintage", "Wild",
]
NOUNS = [
    "Backpack", "Basket", "Blender", "Bottle", "Brush", "Bucket", "Candle", "Chair", "Clock", "Cushion", "Desk Lamp",
    "Drone", "Easel", "Fan", "Feeder", "Frisbee", "Grill", "Hammock", "Headphones", "Helmet", "Jar", "Kettle",
    "Keyboard", "Kite", "Ladder", "Lantern", "Mug", "Notebook", "Pan", "Planter", "Puzzle", "Rake", "Scale",
    "Scissors", "Shelf", "Skillet", "Speaker", "Teapot", "Tent", "Toaster", "Umbrella", "Watch",
]
STATUSES = ["delivered", "shipped", "pending", "cancelled", "returned"]
STATUS_WEIGHTS = [45, 20, 10, 15, 10]
CHANNELS = ["web", "store", "phone"]
CHANNEL_WEIGHTS = [55, 30, 15]
SEGMENTS = ["consumer", "business", "education"]
SEGMENT_WEIGHTS = [60, 30, 10]
FEES_CENTS = [0, 0, 499, 750, 999, 1200]
DISCOUNTS = [0, 0, 0, 0, 5, 10, 15, 20]
COUNTRIES = ["Canada", "Germany", "India", "Japan", "Mexico", "Poland", "Spain", "Vietnam"]
DEPARTMENTS = ["sales", "support", "warehouse", "marketing", "finance"]
CARRIERS = ["FastShip", "ParcelGo", "RoadRunner", "SkyPost"]
METHODS = ["card", "paypal", "bank transfer", "gift card"]

CORE = ["customers", "products", "orders", "order_items"]
DISTRACTORS = ["suppliers", "employees", "payments", "reviews", "shipments"]
ORDER_START = datetime.date(2023, 1, 1)
ORDER_DAYS = 731  # 2023 and 2024
SIGNUP_START = datetime.date(2021, 1, 1)
SIGNUP_DAYS = 1461  # 2021 to 2024

# Rows per tier: (low, high) for customers, products, orders; most lines per order; regions.
SCALE = {
    0: {"customers": (40, 160), "products": (40, 120), "orders": (60, 320), "lines": 2, "regions": (3, 4)},
    1: {"customers": (50, 200), "products": (40, 140), "orders": (80, 420), "lines": 3, "regions": (3, 5)},
    2: {"customers": (80, 240), "products": (50, 160), "orders": (150, 650), "lines": 3, "regions": (4, 6)},
    3: {"customers": (120, 260), "products": (110, 180), "orders": (350, 900), "lines": 4, "regions": (4, 7)},
    4: {"customers": (150, 300), "products": (110, 200), "orders": (600, 1400), "lines": 4, "regions": (5, 8)},
}


def day(start, offset):
    return (start + datetime.timedelta(days=offset)).isoformat()


def money(cents):
    return cents / 100


def tables_for(rng, tier):
    """The tables a tier's database holds, in a fixed order."""
    if tier == 0:
        chosen = rng.sample(CORE, 2)
    elif tier == 1:
        chosen = rng.sample(CORE, rng.randint(2, 3))
    elif tier == 2:
        chosen = rng.sample(CORE, 3) + rng.sample(DISTRACTORS, rng.randint(1, 2))
    elif tier == 3:
        chosen = CORE + ["regions"] + rng.sample(DISTRACTORS, 2)
    else:
        chosen = CORE + ["regions"] + rng.sample(DISTRACTORS, 4)
    order = ["regions"] + CORE + DISTRACTORS
    return [t for t in order if t in chosen]


def columns(table, tier, tables):
    """(name, declaration) of a table's columns; references only to tables present, distractor columns from t3."""
    ref = lambda target: f" REFERENCES {target}(id)" if target in tables else ""  # noqa: E731
    extra = tier >= 3
    cols = {
        "regions": [("id", "INTEGER PRIMARY KEY"), ("name", "TEXT NOT NULL"), ("manager", "TEXT")],
        "customers": [
            ("id", "INTEGER PRIMARY KEY"), ("name", "TEXT NOT NULL"), ("email", "TEXT"), ("city", "TEXT"),
            *([("region_id", "INTEGER" + ref("regions"))] if "regions" in tables else []),
            ("segment", "TEXT"), ("signup_date", "TEXT"), ("loyalty_points", "INTEGER"),
            *([("referred_by", "INTEGER" + ref("customers"))] if extra else []),
        ],
        "products": [
            ("id", "INTEGER PRIMARY KEY"), ("name", "TEXT NOT NULL"), ("category", "TEXT"), ("list_price", "REAL"),
            *([("cost_price", "REAL")] if extra else []),
            ("stock", "INTEGER"), ("supplier_id", "INTEGER" + ref("suppliers")), ("discontinued", "INTEGER"),
        ],
        "orders": [
            ("id", "INTEGER PRIMARY KEY"), ("customer_id", "INTEGER" + ref("customers")), ("order_date", "TEXT"),
            ("status", "TEXT"), ("channel", "TEXT"), ("shipping_fee", "REAL"),
            *([("coupon_code", "TEXT")] if extra else []),
        ],
        "order_items": [
            ("id", "INTEGER PRIMARY KEY"), ("order_id", "INTEGER" + ref("orders")),
            ("product_id", "INTEGER" + ref("products")), ("quantity", "INTEGER"), ("unit_price", "REAL"),
        ],
        "suppliers": [("id", "INTEGER PRIMARY KEY"), ("name", "TEXT"), ("country", "TEXT")],
        "employees": [
            ("id", "INTEGER PRIMARY KEY"), ("name", "TEXT"), ("department", "TEXT"), ("hire_date", "TEXT"),
            ("salary", "INTEGER"),
        ],
        "payments": [
            ("id", "INTEGER PRIMARY KEY"), ("order_id", "INTEGER" + ref("orders")), ("method", "TEXT"),
            ("amount", "REAL"), ("paid_on", "TEXT"),
        ],
        "reviews": [
            ("id", "INTEGER PRIMARY KEY"), ("product_id", "INTEGER" + ref("products")),
            ("customer_id", "INTEGER" + ref("customers")), ("rating", "INTEGER"), ("review_date", "TEXT"),
        ],
        "shipments": [
            ("id", "INTEGER PRIMARY KEY"), ("order_id", "INTEGER" + ref("orders")), ("carrier", "TEXT"),
            ("shipped_on", "TEXT"), ("delivered_on", "TEXT"),
        ],
    }
    return cols[table]


def draw_rows(rng, tier):
    scale = SCALE[tier]
    rows = {}
    n_regions = rng.randint(*scale["regions"])
    region_names = rng.sample(REGIONS, n_regions)
    rows["regions"] = [
        {"id": i + 1, "name": name, "manager": f"{rng.choice(FIRST)} {rng.choice(LAST)}"} for i, name in enumerate(region_names)
    ]
    cities = rng.sample(CITIES, rng.randint(n_regions + 4, min(len(CITIES), n_regions + 12)))
    city_region = {city: (i % n_regions) + 1 if i < n_regions else rng.randint(1, n_regions) for i, city in enumerate(cities)}

    n_customers = rng.randint(*scale["customers"])
    name_ids = rng.sample(range(len(FIRST) * len(LAST)), n_customers)
    customers = []
    for i, k in enumerate(name_ids):
        first, last = FIRST[k // len(LAST)], LAST[k % len(LAST)]
        city = rng.choice(cities)
        customers.append({
            "id": i + 1, "name": f"{first} {last}", "email": f"{first}.{last}@example.com".lower(), "city": city,
            "region_id": city_region[city], "segment": rng.choices(SEGMENTS, SEGMENT_WEIGHTS)[0],
            "signup_date": day(SIGNUP_START, rng.randrange(SIGNUP_DAYS)), "loyalty_points": rng.randint(0, 5000),
            "referred_by": rng.randint(1, i) if i > 0 and rng.random() < 0.3 else None,
        })
    rows["customers"] = customers

    n_suppliers = rng.randint(5, 12)
    rows["suppliers"] = [
        {"id": i + 1, "name": f"{rng.choice(LAST)} {rng.choice(['Supply', 'Trading', 'Goods', 'Wholesale'])}", "country": rng.choice(COUNTRIES)}
        for i in range(n_suppliers)
    ]
    n_products = rng.randint(*scale["products"])
    product_ids = rng.sample(range(len(ADJECTIVES) * len(NOUNS)), n_products)
    products = []
    price_cents = {}
    for i, k in enumerate(product_ids):
        cents = rng.randint(150, 30000)
        price_cents[i + 1] = cents
        products.append({
            "id": i + 1, "name": f"{ADJECTIVES[k // len(NOUNS)]} {NOUNS[k % len(NOUNS)]}", "category": rng.choice(CATEGORIES),
            "list_price": money(cents), "cost_price": money(round(cents * rng.uniform(0.4, 0.7))),
            "stock": rng.randint(0, 500), "supplier_id": rng.randint(1, n_suppliers),
            "discontinued": 1 if rng.random() < 0.15 else 0,
        })
    rows["products"] = products

    n_orders = rng.randint(*scale["orders"])
    activity = list(itertools.accumulate(rng.random() ** 2 + 0.05 for _ in customers))
    customer_ids = range(1, len(customers) + 1)
    dates = sorted(rng.randrange(ORDER_DAYS) for _ in range(n_orders))
    orders, items, payments, shipments = [], [], [], []
    for i, offset in enumerate(dates):
        oid = i + 1
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        fee = rng.choice(FEES_CENTS)
        orders.append({
            "id": oid, "customer_id": rng.choices(customer_ids, cum_weights=activity)[0],
            "order_date": day(ORDER_START, offset), "status": status,
            "channel": rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0], "shipping_fee": money(fee),
            "coupon_code": rng.choice(["SAVE10", "WELCOME", "SPRING", "VIP"]) if rng.random() < 0.2 else None,
        })
        total = fee
        for pid in rng.sample(range(1, n_products + 1), rng.randint(1, scale["lines"])):
            quantity = rng.choices([1, 2, 3, 4, 5], [40, 25, 15, 12, 8])[0]
            unit = round(price_cents[pid] * (100 - rng.choice(DISCOUNTS)) / 100)
            total += unit * quantity
            items.append({"id": len(items) + 1, "order_id": oid, "product_id": pid, "quantity": quantity, "unit_price": money(unit)})
        if status != "cancelled":
            payments.append({
                "id": len(payments) + 1, "order_id": oid, "method": rng.choice(METHODS), "amount": money(total),
                "paid_on": day(ORDER_START, offset + rng.randint(0, 3)),
            })
        if status in ("shipped", "delivered", "returned"):
            sent = offset + rng.randint(0, 4)
            shipments.append({
                "id": len(shipments) + 1, "order_id": oid, "carrier": rng.choice(CARRIERS), "shipped_on": day(ORDER_START, sent),
                "delivered_on": day(ORDER_START, sent + rng.randint(1, 7)) if status != "shipped" else None,
            })
    rows["orders"], rows["order_items"], rows["payments"], rows["shipments"] = orders, items, payments, shipments
    rows["employees"] = [
        {"id": i + 1, "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}", "department": rng.choice(DEPARTMENTS),
         "hire_date": day(SIGNUP_START, rng.randrange(SIGNUP_DAYS)), "salary": rng.randrange(32000, 120000, 500)}
        for i in range(rng.randint(8, 30))
    ]
    rows["reviews"] = [
        {"id": i + 1, "product_id": rng.randint(1, n_products), "customer_id": rng.randint(1, len(customers)),
         "rating": rng.choices([1, 2, 3, 4, 5], [5, 8, 17, 35, 35])[0], "review_date": day(ORDER_START, rng.randrange(ORDER_DAYS))}
        for i in range(rng.randint(n_products // 2, n_products * 2))
    ]
    return rows


def build_database(rng, tier):
    """(connection to the in-memory database, tables present, all drawn rows)."""
    tables = tables_for(rng, tier)
    rows = draw_rows(rng, tier)
    conn = sqlite3.connect(":memory:")
    for table in tables:
        cols = columns(table, tier, tables)
        conn.execute(f"CREATE TABLE {table} ({', '.join(f'{name} {decl}' for name, decl in cols)})")
        names = [name for name, _ in cols]
        conn.executemany(
            f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
            [tuple(row[n] for n in names) for row in rows[table]],
        )
    conn.commit()
    return conn, tables, rows


def database_bytes(conn):
    return conn.serialize()
