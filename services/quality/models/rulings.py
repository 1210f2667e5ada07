"""Quality tables: rulings (see the module that uses them)."""
