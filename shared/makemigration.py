"""Autogenerate a service's next revision against a scratch SQLite database.

`python -m shared.makemigration intake "initial"`
"""

import sys
import tempfile
from importlib import import_module
from pathlib import Path

from alembic import command

from shared.migrations import alembic_config, upgrade


def main(service: str, message: str) -> None:
    import_module(f"services.{service}.models")
    service_dir = Path(import_module(f"services.{service}").__file__ or "").parent
    (service_dir / "migrations").mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite+aiosqlite:///{scratch}/scratch.db"
        upgrade(service_dir, url, service)
        config = alembic_config(service_dir, url, service)
        config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
        rev_id = f"{len(list((service_dir / 'migrations').glob('[0-9]*.py'))) + 1:04d}"
        command.revision(config, message=message, autogenerate=True, rev_id=rev_id)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
