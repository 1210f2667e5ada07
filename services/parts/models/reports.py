"""The consumption report and the reserve level it suggests."""

from pydantic import BaseModel, ConfigDict, Field


class MonthConsumption(BaseModel):
    month: str  # YYYY-MM (UTC)
    consumed: int


class WarehouseConsumption(BaseModel):
    warehouse: str
    months: list[MonthConsumption]
    mean_monthly: float
    std_monthly: float
    suggested_reserve: int


class ConsumptionReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    part_number: str
    from_: str = Field(alias="from")
    to: str
    warehouses: list[WarehouseConsumption]
