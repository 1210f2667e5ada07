"""Field dispatch: technicians, jobs, automatic assignment of a certified, available engineer."""
