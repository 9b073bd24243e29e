"""Setup of the `trip-planner` environment: writes the task's travel database, trips.db, under the folder named by
"out": the catalog and the bookings made before the episode. Mode 0644: the agent's booking tools write to it, the
probe (another uid) reads it."""
import os

from trip_data import DB_NAME
from trip_tasks import make_task
from tasksynth_state import read_request

request = read_request()
catalog = make_task(request["seed"], request["tier"], request["index"])["catalog"]
path = os.path.join(request["out"], DB_NAME)
with open(path, "wb") as handle:
    handle.write(catalog.to_database().serialize())
os.chmod(path, 0o644)
