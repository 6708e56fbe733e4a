"""Profiling a new feed into a proposed declaration and contract, and suggesting quality
thresholds from a dataset's check history (`dataops profile`; no Dagster, no Spark).

samples      read sample files as the platform's reader will (dialect, null tokens, trimming)
values       the Spark type a column's text casts to, by majority with a tolerance
shapes       string patterns (emails, identifiers, codes) and PII guesses
columns      one column's profile: nullability, range from quantiles, allowed values, evidence
table        the table's profile: primary key, event time, critical and PII columns
render       the profile as defs.yaml and schema.py, evidence in comments
files        writing a dataset folder (shared with `dg scaffold defs`)
suggestions  threshold changes from check history, as a reviewable diff of defs.yaml
"""
