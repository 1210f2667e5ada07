"""Parts tables (prefixed `parts_`) and the API's model families. Import them from here."""

from services.parts.models.catalogue import (
    BinPublic,
    BinWrite,
    FaultCodePart,
    FaultCodePartsPublic,
    FaultCodePartsWrite,
    FaultCodePartWrite,
    PartBase,
    PartPublic,
    PartsBin,
    PartsFaultCodePart,
    PartsPart,
    PartsWarehouse,
    PartWrite,
    WarehouseBase,
    WarehousePublic,
)
from services.parts.models.reports import (
    ConsumptionReport,
    MonthConsumption,
    WarehouseConsumption,
)
from services.parts.models.requisitions import (
    BackorderPublic,
    ConsumeRequest,
    PartsBackorder,
    PartsFault,
    PartsReservation,
    PartsTransfer,
    ReservationPublic,
    TransferPublic,
)
from services.parts.models.stock import (
    LedgerEntryPublic,
    PartsLedgerEntry,
    PartsQuarantine,
    PartsStock,
    PartsStockLow,
    StockPublic,
    StockReceipt,
)

__all__ = [
    "BackorderPublic", "BinPublic", "BinWrite", "ConsumeRequest", "ConsumptionReport",
    "FaultCodePart", "FaultCodePartWrite", "FaultCodePartsPublic", "FaultCodePartsWrite",
    "LedgerEntryPublic", "MonthConsumption", "PartBase", "PartPublic", "PartWrite",
    "PartsBackorder", "PartsBin", "PartsFault", "PartsFaultCodePart", "PartsLedgerEntry",
    "PartsPart", "PartsQuarantine", "PartsReservation", "PartsStock", "PartsStockLow",
    "PartsTransfer", "PartsWarehouse", "ReservationPublic", "StockPublic", "StockReceipt",
    "TransferPublic", "WarehouseBase", "WarehouseConsumption", "WarehousePublic",
]
