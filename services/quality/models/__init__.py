"""Quality tables (prefixed `quality_`) and the API's model families, one module per topic.

Every table module is imported here so that Alembic's autogenerate sees them all.
"""

from services.quality.models.complaints import *  # noqa: F403
from services.quality.models.defects import *  # noqa: F403
from services.quality.models.fault_files import *  # noqa: F403
from services.quality.models.records import *  # noqa: F403
from services.quality.models.rulings import *  # noqa: F403
from services.quality.models.surveys import *  # noqa: F403
