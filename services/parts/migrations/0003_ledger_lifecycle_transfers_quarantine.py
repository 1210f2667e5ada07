"""ledger lifecycle transfers quarantine

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 05:49:09.310014
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import shared.columns

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LEDGER_REASONS = (
    "'receipt', 'reservation', 'release', 'issue', 'consumption', 'return', "
    "'transfer_out', 'transfer_in', 'adjustment', 'quarantine'"
)
_RESERVATION_STATUSES = "'reserved', 'approved', 'issued', 'consumed', 'released'"
_BACKORDER_STATUSES = "'open', 'fulfilled', 'cancelled'"
# SQLite keeps the old unique key of parts_stock unnamed; batch mode finds it by this name.
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _old_stock_unique() -> str:
    """The name the (warehouse, bin, part_number, batch) key got when 0001 created it."""
    if op.get_bind().dialect.name == "postgresql":
        return "parts_stock_warehouse_bin_part_number_batch_key"
    return "uq_parts_stock_warehouse_bin_part_number_batch"


def _stock_of(table: str) -> str:
    """The stock row a ledger row or reservation of `table` belongs to (by bin and batch)."""
    return (
        f"(SELECT s.id FROM parts_stock s WHERE s.warehouse = {table}.warehouse "
        f"AND s.bin = {table}.bin AND s.part_number = {table}.part_number "
        f"AND s.batch = {table}.batch)"
    )


def upgrade() -> None:
    op.create_table('parts_fault',
    sa.Column('fault_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=1), nullable=True),
    sa.Column('site_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('lat', sa.Float(), nullable=True),
    sa.Column('lon', sa.Float(), nullable=True),
    sa.Column('onsite_due', shared.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reported_at', shared.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', shared.columns.UTCDateTime(timezone=True), nullable=True),
    sa.Column('completed_at', shared.columns.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('fault_id')
    )
    op.create_table('parts_quarantine',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('part_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('batch', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('supplier_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('received_at', shared.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('parts_quarantine', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_quarantine_part_number'), ['part_number'], unique=False)

    op.create_table('parts_stock_low',
    sa.Column('part_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('warehouse', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('low', sa.Boolean(), nullable=False),
    sa.Column('changed_at', shared.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('part_number', 'warehouse')
    )
    op.create_table('parts_transfer',
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('fault_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('reservation_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('part_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('from_warehouse', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('bin', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('to_site_code', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('distance_km', sa.Float(), nullable=False),
    sa.Column('eta', shared.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('created_at', shared.columns.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', shared.columns.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('requested', 'shipped', 'cancelled')", name='ck_parts_transfer_status'),
    sa.CheckConstraint('qty > 0', name='ck_parts_transfer_qty'),
    sa.PrimaryKeyConstraint('seq'),
    sa.UniqueConstraint('id')
    )
    with op.batch_alter_table('parts_transfer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_transfer_fault_id'), ['fault_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_parts_transfer_reservation_id'), ['reservation_id'], unique=False)

    op.create_table('parts_bin',
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('warehouse', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('bin', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('updated_at', shared.columns.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['warehouse'], ['parts_warehouse.code'], ),
    sa.PrimaryKeyConstraint('warehouse', 'bin')
    )
    op.create_table('parts_fault_code_part',
    sa.Column('fault_code', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('part_number', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('updated_at', shared.columns.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('qty > 0', name='ck_parts_fault_code_part_qty'),
    sa.ForeignKeyConstraint(['part_number'], ['parts_part.part_number'], ),
    sa.PrimaryKeyConstraint('fault_code', 'part_number')
    )
    # Faults remembered as cancelled move into the table that now remembers every fault.
    op.execute(
        "INSERT INTO parts_fault (fault_id, cancelled_at) "
        "SELECT fault_id, cancelled_at FROM parts_cancelled_fault"
    )
    op.drop_table('parts_cancelled_fault')
    # Bins already holding stock become registered bins, so every stock row names one.
    op.execute(
        "INSERT INTO parts_bin (warehouse, bin, description, updated_at) "
        "SELECT DISTINCT warehouse, bin, '', CURRENT_TIMESTAMP FROM parts_stock"
    )

    with op.batch_alter_table('parts_stock', schema=None, naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.add_column(sa.Column('supplier_id', sqlmodel.sql.sqltypes.AutoString(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('quarantined', sa.Integer(), server_default='0', nullable=False))
        batch_op.drop_constraint(_old_stock_unique(), type_='unique')
        batch_op.drop_constraint('ck_parts_stock_reserved_on_hand', type_='check')
        batch_op.create_unique_constraint('uq_parts_stock_lot', ['warehouse', 'bin', 'part_number', 'batch', 'supplier_id'])
        batch_op.create_foreign_key('fk_parts_stock_bin', 'parts_bin', ['warehouse', 'bin'], ['warehouse', 'bin'])
        batch_op.create_check_constraint('ck_parts_stock_quarantined', 'quarantined >= 0')
        batch_op.create_check_constraint('ck_parts_stock_held_on_hand', 'reserved + quarantined <= on_hand')

    with op.batch_alter_table('parts_part', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supplier_id', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('lead_time_hours', sa.Float(), server_default='0', nullable=False))
        batch_op.create_check_constraint('ck_parts_part_lead_time', 'lead_time_hours >= 0')

    # Ledger rows and reservations name their stock row: filled from the bin and batch.
    with op.batch_alter_table('parts_ledger', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stock_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quarantined_delta', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('qty', sa.Integer(), server_default='0', nullable=False))
    op.execute(
        f"UPDATE parts_ledger SET stock_id = {_stock_of('parts_ledger')}, "
        "qty = CASE WHEN abs(on_hand_delta) > abs(reserved_delta) THEN abs(on_hand_delta) "
        "ELSE abs(reserved_delta) END"
    )
    with op.batch_alter_table('parts_ledger', schema=None) as batch_op:
        batch_op.alter_column('stock_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_parts_ledger_stock_id'), ['stock_id'], unique=False)
        batch_op.create_foreign_key('fk_parts_ledger_stock', 'parts_stock', ['stock_id'], ['id'])
        batch_op.create_check_constraint('ck_parts_ledger_reason', f"reason IN ({_LEDGER_REASONS})")
        batch_op.create_check_constraint('ck_parts_ledger_qty', 'qty >= 0')

    with op.batch_alter_table('parts_reservation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stock_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('eta', shared.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('distance_km', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
        batch_op.add_column(sa.Column('approved_at', shared.columns.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('release_reason', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True))
        batch_op.add_column(sa.Column('consumed_qty', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('returned_qty', sa.Integer(), server_default='0', nullable=False))
    op.execute(f"UPDATE parts_reservation SET stock_id = {_stock_of('parts_reservation')}")
    op.execute(
        "UPDATE parts_reservation SET release_reason = 'fault_cancelled' WHERE status = 'released'"
    )
    with op.batch_alter_table('parts_reservation', schema=None) as batch_op:
        batch_op.alter_column('stock_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_parts_reservation_stock_id'), ['stock_id'], unique=False)
        batch_op.create_foreign_key('fk_parts_reservation_stock', 'parts_stock', ['stock_id'], ['id'])
        batch_op.create_check_constraint('ck_parts_reservation_status', f"status IN ({_RESERVATION_STATUSES})")
        batch_op.create_check_constraint('ck_parts_reservation_outcome', 'consumed_qty >= 0 AND returned_qty >= 0 AND consumed_qty + returned_qty <= qty')

    # Backorders recorded so far are wholly outstanding; their class is unknown (B).
    with op.batch_alter_table('parts_backorder', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outstanding', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(length=1), server_default='B', nullable=False))
        batch_op.add_column(sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True))
        batch_op.add_column(sa.Column('fulfilled_at', shared.columns.UTCDateTime(timezone=True), nullable=True))
    op.execute("UPDATE parts_backorder SET outstanding = qty")
    with op.batch_alter_table('parts_backorder', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parts_backorder_part_number'), ['part_number'], unique=False)
        batch_op.create_check_constraint('ck_parts_backorder_outstanding', 'outstanding >= 0 AND outstanding <= qty')
        batch_op.create_check_constraint('ck_parts_backorder_status', f"status IN ({_BACKORDER_STATUSES})")


def downgrade() -> None:
    with op.batch_alter_table('parts_backorder', schema=None) as batch_op:
        batch_op.drop_constraint('ck_parts_backorder_status', type_='check')
        batch_op.drop_constraint('ck_parts_backorder_outstanding', type_='check')
        batch_op.drop_index(batch_op.f('ix_parts_backorder_part_number'))
        batch_op.drop_column('fulfilled_at')
        batch_op.drop_column('reason')
        batch_op.drop_column('severity')
        batch_op.drop_column('outstanding')

    with op.batch_alter_table('parts_reservation', schema=None) as batch_op:
        batch_op.drop_constraint('ck_parts_reservation_outcome', type_='check')
        batch_op.drop_constraint('ck_parts_reservation_status', type_='check')
        batch_op.drop_constraint('fk_parts_reservation_stock', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_parts_reservation_stock_id'))
        for column in ('returned_qty', 'consumed_qty', 'release_reason', 'approved_at',
                       'approved_by', 'distance_km', 'eta', 'stock_id'):
            batch_op.drop_column(column)

    with op.batch_alter_table('parts_ledger', schema=None) as batch_op:
        batch_op.drop_constraint('ck_parts_ledger_qty', type_='check')
        batch_op.drop_constraint('ck_parts_ledger_reason', type_='check')
        batch_op.drop_constraint('fk_parts_ledger_stock', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_parts_ledger_stock_id'))
        batch_op.drop_column('qty')
        batch_op.drop_column('quarantined_delta')
        batch_op.drop_column('stock_id')

    with op.batch_alter_table('parts_part', schema=None) as batch_op:
        batch_op.drop_constraint('ck_parts_part_lead_time', type_='check')
        batch_op.drop_column('lead_time_hours')
        batch_op.drop_column('supplier_id')

    # Fails if one bin holds the same batch from two suppliers: the old key cannot hold that.
    with op.batch_alter_table('parts_stock', schema=None) as batch_op:
        batch_op.drop_constraint('ck_parts_stock_held_on_hand', type_='check')
        batch_op.drop_constraint('ck_parts_stock_quarantined', type_='check')
        batch_op.drop_constraint('fk_parts_stock_bin', type_='foreignkey')
        batch_op.drop_constraint('uq_parts_stock_lot', type_='unique')
        batch_op.create_unique_constraint(_old_stock_unique(), ['warehouse', 'bin', 'part_number', 'batch'])
        batch_op.create_check_constraint('ck_parts_stock_reserved_on_hand', 'reserved <= on_hand')
        batch_op.drop_column('quarantined')
        batch_op.drop_column('supplier_id')

    op.create_table('parts_cancelled_fault',
    sa.Column('fault_id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('cancelled_at', shared.columns.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('fault_id')
    )
    op.execute(
        "INSERT INTO parts_cancelled_fault (fault_id, cancelled_at) "
        "SELECT fault_id, cancelled_at FROM parts_fault WHERE cancelled_at IS NOT NULL"
    )
    op.drop_table('parts_fault_code_part')
    op.drop_table('parts_bin')
    with op.batch_alter_table('parts_transfer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_transfer_reservation_id'))
        batch_op.drop_index(batch_op.f('ix_parts_transfer_fault_id'))

    op.drop_table('parts_transfer')
    op.drop_table('parts_stock_low')
    with op.batch_alter_table('parts_quarantine', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_parts_quarantine_part_number'))

    op.drop_table('parts_quarantine')
    op.drop_table('parts_fault')
