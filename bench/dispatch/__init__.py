"""Dispatch benchmark: generated days of faults, replayed online against several schedulers and
compared with a hindsight plan, all scored by one evaluator. `python -m bench.dispatch --help`."""
