"""Reports and bulk data: the ledger export, the printed compilation, roster and proposal imports.

Everything here reads through proposals.access and proposals.stats, and writes through the
operations (or, for the roster, in one checked transaction of its own).
"""
