"""Quality tables: surveys (see the module that uses them)."""
