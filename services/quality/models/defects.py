"""Quality tables: defects (see the module that uses them)."""
