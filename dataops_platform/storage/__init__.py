"""Storage: lake layout, intake listing, immutable bronze files, Delta table I/O."""
