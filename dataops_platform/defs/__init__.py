"""Component instances: one folder per dataset and per data product (defs.yaml + its contract)."""
