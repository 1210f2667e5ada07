"""`make demo`: simulated depots, engineers and a storekeeper working a running `make run`.

Run with deploy/local on the import path (`PYTHONPATH=deploy/local python -m demo`), as the
Makefile does: the demo reads its world from `seed_demo`, the data `make run` loads.
"""
