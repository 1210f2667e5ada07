"""Spare-part logistics: warehouses, stock by bin, reservations for faults, backorders."""
