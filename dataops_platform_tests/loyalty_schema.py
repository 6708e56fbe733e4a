"""A dataset that exists only in the tests: proves a new dataset needs no factory change."""

import pandera.pyspark as pa
import pyspark.sql.types as T


class LoyaltyPoints(pa.DataFrameModel):
    """Loyalty points earned per purchase."""

    entry_id: T.StringType() = pa.Field(nullable=False, str_matches=r"^L\d+$", description="Ledger entry.")
    customer_id: T.StringType() = pa.Field(nullable=True, description="Customer earning the points.")
    points: T.IntegerType() = pa.Field(nullable=True, ge=0, description="Points earned.")
    earned_at: T.TimestampType() = pa.Field(nullable=True, description="When the points were earned.")
