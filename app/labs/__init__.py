"""Labs in the app: reference and imported lab results, the lab pages and a runner for `python -m labs run`."""
