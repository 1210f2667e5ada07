"""The pipeline benchmark: intake throughput, saga latency and memory of the whole stack,
each beside the ceiling of the same broker and PostgreSQL (docs/performance.md)."""
