"""Setup of the `sql-analytics` environment: writes the task's database, shop.db, under the folder named by "out".
The bytes are those of the in-memory database the generator hashed (the same draws build it)."""
import os

from sqla_data import database_bytes
from sqla_tasks import DB_NAME, make_database
from tasksynth_state import read_request

request = read_request()
_rng, context = make_database(request["seed"], request["tier"], request["index"])
path = os.path.join(request["out"], DB_NAME)
with open(path, "wb") as handle:
    handle.write(database_bytes(context.conn))
os.chmod(path, 0o444)
