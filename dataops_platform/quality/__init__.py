"""Data quality: contracts from pandera models, row-level rules, checks and quarantine."""
