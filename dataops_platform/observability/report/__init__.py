"""The data-quality report: figures per table from the instance, rendered as one HTML page."""
