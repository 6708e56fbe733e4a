"""Contract of the gold `daily_revenue` product."""

import pandera.pyspark as pa
import pyspark.sql.types as T

from dataops_platform.defs.customers.schema import REGIONS

REGIONS_OR_UNKNOWN = [*REGIONS, "unknown"]


class DailyRevenue(pa.DataFrameModel):
    """Completed revenue per day, signup region and channel."""

    revenue_date: T.DateType() = pa.Field(nullable=False, description="Day of the transactions (UTC).")
    region: T.StringType() = pa.Field(isin=REGIONS_OR_UNKNOWN, description="Customer's signup region.")
    channel: T.StringType() = pa.Field(description="Sales channel.")
    transaction_count: T.LongType() = pa.Field(ge=0, description="Completed transactions.")
    revenue: T.DecimalType(28, 2) = pa.Field(ge=0, description="Sum of completed amounts (USD).")
    distinct_customers: T.LongType() = pa.Field(ge=0, description="Customers with at least one transaction.")

    class Config:
        unique = ["revenue_date", "region", "channel"]
