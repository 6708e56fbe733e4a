"""Resources with the same keys in every environment: `lake`, `spark`, `compute`."""
