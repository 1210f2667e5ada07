"""Fault intake: severity, warranty, SLA clocks, fault timeline, vehicle lifetime file."""
