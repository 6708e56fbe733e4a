"""dataops_platform: a DataOps platform on Dagster (intake -> bronze -> silver -> gold).

Importing the package is cheap: no Spark session, no storage access, no secrets.
"""

__version__ = "0.1.0"
