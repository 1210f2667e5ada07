"""Dependency aliases the dispatch routes share."""

from typing import Annotated

from fastapi import Depends, Path

from services.dispatch.config import DispatchSettings
from shared.app import settings_dependency
from shared.auth import Principal, require_role

TechnicianId = Annotated[str, Path(min_length=1, max_length=40)]
JobId = Annotated[str, Path(min_length=1, max_length=36)]
Dispatcher = Annotated[Principal, Depends(require_role("dispatcher"))]
# The app acts as the engineer themself: nobody else, not even an admin, can stand in for them.
FieldStaff = Annotated[Principal, Depends(require_role("technician", admin=False))]
Crew = Annotated[Principal, Depends(require_role("dispatcher", "technician"))]
SettingsDep = Annotated[DispatchSettings, Depends(settings_dependency(DispatchSettings))]
