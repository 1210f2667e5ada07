"""Spare-part logistics: a stock ledger by bin, sourcing for faults, requisitions."""
