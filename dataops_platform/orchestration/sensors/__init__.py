"""Sensors: intake (listing, SQS), automation, alerts."""
