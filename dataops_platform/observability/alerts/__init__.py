"""Alerts on failed checks and runs: what an alert says, where it goes, which events raise it."""
