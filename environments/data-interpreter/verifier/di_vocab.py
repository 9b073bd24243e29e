"""The data domains of the `data-interpreter` environment: tables, their columns and the values they draw from.

A domain has a fact table (one row per event: an order, a shipment, a reading) and two dimension tables its
rows refer to by key. Flat tasks (tiers 0-2) inline some of a dimension's columns into the fact table; joined
tasks (tiers 3-4) keep the tables apart in files of their own.

A numeric column is (low, high, decimals); `products` name pairs of numeric columns whose product means
something (qty x unit_price = revenue), with the word a question uses for it.
"""

PEOPLE = [
    "Ada", "Bruno", "Chiara", "Dmitri", "Elif", "Farah", "Goran", "Hana", "Ivo", "Jana", "Kofi", "Lena", "Mateo",
    "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sami", "Tomas", "Uma", "Viktor", "Wen", "Ximena", "Yusuf",
    "Zofia", "Amir", "Beatriz", "Carlos", "Dana", "Emil", "Fatima", "Gustav", "Helga", "Imani", "Jonas", "Keiko",
    "Luca", "Mira", "Nils", "Olga", "Pavel", "Rania", "Stefan", "Tariq", "Ulla", "Vera", "Willem", "Yara", "Zane",
]
SURNAMES = [
    "Andersen", "Bauer", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat", "Ivanova", "Jensen",
    "Kowalski", "Larsen", "Moreau", "Novak", "Okafor", "Petrov", "Quinn", "Rossi", "Silva", "Tanaka", "Ulrich",
    "Varga", "Weber", "Yilmaz", "Zhang",
]
PRODUCTS = [
    "kettle", "lamp", "blender", "notebook", "backpack", "umbrella", "teapot", "headphones", "stapler", "candle",
    "mug", "scarf", "toaster", "mirror", "pillow", "speaker", "wallet", "charger", "helmet", "jigsaw", "compass",
    "thermos", "skillet", "ladder", "easel", "hammock", "lantern", "kite", "puzzle", "cushion", "drill", "clock",
    "binder", "sandals", "gloves", "tripod", "whisk", "vase", "radio", "scooter",
]
COMPANIES = [
    "Acme", "Globex", "Initech", "Umbrella", "Soylent", "Stark", "Wayne", "Tyrell", "Hooli", "Vandelay", "Gringotts",
    "Cyberdyne", "Wonka", "Monarch", "Aperture", "Oscorp", "Nakatomi", "Dunder", "Pied Piper", "Massive Dynamic",
]
CITIES = [
    "Berlin", "Lisbon", "Oslo", "Austin", "Toronto", "Dublin", "Madrid", "Vienna", "Prague", "Nairobi", "Osaka",
    "Lima", "Quito", "Krakow", "Porto", "Seville", "Lyon", "Tartu", "Bergen", "Malmo",
]
COUNTRIES = [
    "Germany", "France", "Spain", "Italy", "Poland", "Japan", "Brazil", "Canada", "Mexico", "Kenya", "Norway",
    "Portugal", "Chile", "Ireland", "Austria", "Finland",
]
CODENAMES = [
    "Apollo", "Beacon", "Cobalt", "Delta", "Ember", "Falcon", "Granite", "Harbor", "Iris", "Juniper", "Kestrel",
    "Lumen", "Meridian", "Nimbus", "Orion", "Pioneer", "Quartz", "Raven", "Sierra", "Tundra",
]

DOMAINS = [
    {
        "name": "retail",
        "fact": {
            "stems": ["orders", "sales", "transactions", "purchases"],
            "noun": "order",
            "id": ("order_id", "O", 1001),
            "text": ("note", ["gift", "repeat buyer", "rush", "", "", "coupon used", "new customer"]),
            "cats": {
                "status": ["completed", "returned", "pending", "cancelled"],
                "channel": ["online", "store", "phone", "marketplace"],
            },
            "nums": {"qty": (1, 12, 0), "unit_price": (3, 180, 2), "shipping": (0, 25, 2)},
            "products": [("qty", "unit_price", "revenue")],
        },
        "dims": [
            {
                "stems": ["customers", "clients", "buyers"],
                "noun": "customer",
                "key": ("customer_id", "C", 101),
                "text": ("name", PEOPLE),
                "cats": {"country": COUNTRIES, "segment": ["consumer", "business", "education", "government"]},
                "nums": {"signup_year": (2012, 2023, 0)},
            },
            {
                "stems": ["products", "catalog", "items"],
                "noun": "product",
                "key": ("product_id", "P", 11),
                "text": ("product", PRODUCTS),
                "cats": {
                    "category": ["toys", "books", "garden", "kitchen", "sports", "music", "office", "pets"],
                    "supplier": COMPANIES,
                },
                "nums": {"weight_kg": (0.1, 20, 2)},
            },
        ],
    },
    {
        "name": "logistics",
        "fact": {
            "stems": ["shipments", "deliveries", "consignments"],
            "noun": "shipment",
            "id": ("shipment_id", "S", 5001),
            "text": ("remark", ["fragile", "", "signed", "left at door", "", "re-routed"]),
            "cats": {
                "status": ["delivered", "delayed", "returned", "lost"],
                "service": ["standard", "express", "economy", "same-day"],
            },
            "nums": {"weight_kg": (0.5, 80, 1), "rate_per_kg": (0.5, 6, 2), "days": (1, 14, 0)},
            "products": [("weight_kg", "rate_per_kg", "charge")],
        },
        "dims": [
            {
                "stems": ["carriers", "hauliers"],
                "noun": "carrier",
                "key": ("carrier_id", "K", 21),
                "text": ("carrier", COMPANIES),
                "cats": {"country": COUNTRIES, "fleet": ["truck", "rail", "air", "sea", "bike"]},
                "nums": {"founded": (1950, 2020, 0)},
            },
            {
                "stems": ["depots", "warehouses", "hubs"],
                "noun": "depot",
                "key": ("depot_id", "D", 31),
                "text": ("depot", CODENAMES),
                "cats": {"city": CITIES, "region": ["north", "south", "east", "west", "central"]},
                "nums": {"docks": (2, 40, 0)},
            },
        ],
    },
    {
        "name": "timesheets",
        "fact": {
            "stems": ["timesheets", "worklog", "hours"],
            "noun": "entry",
            "id": ("entry_id", "E", 301),
            "text": ("comment", ["", "review", "sprint work", "on call", "", "workshop"]),
            "cats": {
                "activity": ["development", "meetings", "support", "testing", "design", "research"],
                "location": ["office", "remote", "client site"],
            },
            "nums": {"hours": (0.5, 10, 1), "rate": (20, 140, 2), "overtime": (0, 3, 1)},
            "products": [("hours", "rate", "cost")],
        },
        "dims": [
            {
                "stems": ["employees", "staff", "people"],
                "noun": "employee",
                "key": ("employee_id", "U", 11),
                "text": ("name", PEOPLE),
                "cats": {
                    "department": ["engineering", "sales", "finance", "legal", "support", "marketing"],
                    "office": CITIES,
                },
                "nums": {"age": (21, 64, 0)},
            },
            {
                "stems": ["projects", "engagements"],
                "noun": "project",
                "key": ("project_id", "PR", 1),
                "text": ("codename", CODENAMES),
                "cats": {"client": COMPANIES, "phase": ["planning", "build", "maintenance", "closing"]},
                "nums": {"budget_k": (10, 900, 0)},
            },
        ],
    },
    {
        "name": "energy",
        "fact": {
            "stems": ["readings", "meter_readings", "consumption"],
            "noun": "reading",
            "id": ("reading_id", "R", 7001),
            "text": ("source", ["manual", "smart meter", "smart meter", "estimate", "portal"]),
            "cats": {
                "tariff": ["day", "night", "flat", "peak"],
                "quality": ["ok", "estimated", "corrected"],
            },
            "nums": {"kwh": (5, 900, 2), "price_per_kwh": (0.08, 0.45, 3), "peak_kw": (1, 60, 1)},
            "products": [("kwh", "price_per_kwh", "cost")],
        },
        "dims": [
            {
                "stems": ["meters", "devices"],
                "noun": "meter",
                "key": ("meter_id", "M", 401),
                "text": ("serial", CODENAMES),
                "cats": {"kind": ["electric", "heat", "solar", "gas"], "vendor": COMPANIES},
                "nums": {"installed": (2005, 2023, 0)},
            },
            {
                "stems": ["sites", "buildings", "locations"],
                "noun": "site",
                "key": ("site_id", "B", 51),
                "text": ("site", CODENAMES),
                "cats": {"city": CITIES, "use": ["office", "school", "warehouse", "hospital", "retail", "lab"]},
                "nums": {"floors": (1, 30, 0)},
            },
        ],
    },
    {
        "name": "trips",
        "fact": {
            "stems": ["trips", "rides", "journeys"],
            "noun": "trip",
            "id": ("trip_id", "T", 9001),
            "text": ("feedback", ["", "friendly", "late pickup", "", "clean car", "detour"]),
            "cats": {
                "payment": ["card", "cash", "app", "voucher"],
                "period": ["morning", "afternoon", "evening", "night"],
            },
            "nums": {"distance_km": (0.5, 45, 1), "fare": (4, 120, 2), "tip": (0, 20, 2)},
            "products": [],
        },
        "dims": [
            {
                "stems": ["drivers", "chauffeurs"],
                "noun": "driver",
                "key": ("driver_id", "DR", 61),
                "text": ("name", PEOPLE),
                "cats": {"vehicle": ["sedan", "van", "electric", "hybrid", "minibus"], "city": CITIES},
                "nums": {"rating": (3, 5, 1)},
            },
            {
                "stems": ["zones", "areas", "districts"],
                "noun": "zone",
                "key": ("zone_id", "Z", 1),
                "text": ("zone", CODENAMES),
                "cats": {"kind": ["residential", "business", "airport", "tourist", "industrial"],
                         "borough": ["north", "south", "east", "west", "harbour", "old town"]},
                "nums": {"area_km2": (1, 40, 1)},
            },
        ],
    },
    {
        "name": "school",
        "fact": {
            "stems": ["scores", "results", "grades"],
            "noun": "result",
            "id": ("result_id", "G", 201),
            "text": ("marker", SURNAMES),
            "cats": {
                "term": ["spring", "summer", "autumn", "winter"],
                "exam_type": ["quiz", "midterm", "final", "project", "oral"],
            },
            "nums": {"score": (20, 100, 1), "hours_studied": (0, 30, 1), "attempts": (1, 4, 0)},
            "products": [],
        },
        "dims": [
            {
                "stems": ["students", "pupils", "learners"],
                "noun": "student",
                "key": ("student_id", "ST", 101),
                "text": ("name", PEOPLE),
                "cats": {"house": ["red", "blue", "green", "yellow", "silver"], "year_group": ["Y7", "Y8", "Y9", "Y10", "Y11"]},
                "nums": {"age": (11, 17, 0)},
            },
            {
                "stems": ["courses", "subjects", "classes"],
                "noun": "course",
                "key": ("course_id", "CR", 1),
                "text": ("title", CODENAMES),
                "cats": {"subject": ["math", "physics", "history", "art", "biology", "music", "chemistry"],
                         "teacher": SURNAMES},
                "nums": {"room": (100, 420, 0)},
            },
        ],
    },
]

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
