"""Quality tables: complaints (see the module that uses them)."""
