"""Contract of the silver `transactions` table."""

import pandera.pyspark as pa
import pyspark.sql.types as T

CHANNELS = ["online", "store", "mobile"]
STATUSES = ["completed", "pending", "failed", "refunded"]


class Transactions(pa.DataFrameModel):
    """One row per payment transaction, in USD."""

    transaction_id: T.StringType() = pa.Field(
        nullable=False, str_matches=r"^T\d{10}$", description="Transaction identifier (T + 10 digits)."
    )
    customer_id: T.StringType() = pa.Field(
        nullable=True, str_matches=r"^C\d{7}$", description="Paying customer; references customers."
    )
    transaction_ts: T.TimestampType() = pa.Field(nullable=True, description="When the payment happened (UTC).")
    amount: T.DecimalType(18, 2) = pa.Field(
        nullable=True, ge=0, le=1_000_000, description="Amount in USD, 0 to 1,000,000."
    )
    channel: T.StringType() = pa.Field(
        nullable=True, isin=CHANNELS, description="Sales channel (online, store, mobile)."
    )
    status: T.StringType() = pa.Field(
        nullable=True, isin=STATUSES, description="Payment status; only `completed` counts as spend."
    )

    class Config:
        unique = ["transaction_id"]  # the primary key
