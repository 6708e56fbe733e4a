"""The catalog export: every asset with its documentation, schema, lineage and latest figures."""
