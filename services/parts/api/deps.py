"""What the parts routes share: path parameters, roles, settings."""

from typing import Annotated

from fastapi import Depends, Path

from services.parts.config import PartsSettings
from shared.app import settings_dependency
from shared.auth import Principal, require_role

WarehouseCode = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^\S+$")]
# `bin` in the path; named otherwise in code, where `bin` is a builtin.
BinCode = Annotated[str, Path(alias="bin", min_length=1, max_length=40, pattern=r"^\S+$")]
PartNumber = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^\S+$")]
FaultCode = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^\S+$")]
ReservationId = Annotated[str, Path(min_length=1, max_length=36)]

Storekeepers = Annotated[Principal, Depends(require_role("warehouse"))]
# The warehouse network (where stock is sourced from, for every fault) is admin's to change.
Administrators = Annotated[Principal, Depends(require_role("admin"))]
# A requisition is approved by the warehouse's or the service desk's responsible manager.
Approvers = Annotated[Principal, Depends(require_role("warehouse", "dispatcher"))]
Readers = Annotated[Principal, Depends(require_role("warehouse", "dispatcher", "quality"))]
SettingsDep = Annotated[PartsSettings, Depends(settings_dependency(PartsSettings))]
