"""Contract of the gold `customer_360` product."""

import pandera.pyspark as pa
import pyspark.sql.types as T

from dataops_platform.defs.customers.schema import REGIONS

REGIONS_OR_UNKNOWN = [*REGIONS, "unknown"]


class Customer360(pa.DataFrameModel):
    """One row per customer and as-of date: activity, spend, support load and a health score."""

    customer_id: T.StringType() = pa.Field(nullable=False, str_matches=r"^C\d{7}$", description="Customer identifier.")
    full_name: T.StringType() = pa.Field(nullable=True, description="First and last name.")
    email: T.StringType() = pa.Field(nullable=True, description="Contact email (PII).")
    signup_region: T.StringType() = pa.Field(
        nullable=False, isin=REGIONS_OR_UNKNOWN, description="Signup region; 'unknown' when missing."
    )
    signup_date: T.DateType() = pa.Field(nullable=True, description="Date the customer signed up.")
    transaction_count: T.LongType() = pa.Field(ge=0, description="Completed transactions up to the as-of date.")
    total_spend: T.DecimalType(28, 2) = pa.Field(ge=0, description="Sum of completed transaction amounts (USD).")
    last_transaction_date: T.DateType() = pa.Field(
        nullable=True, description="Date of the latest completed transaction."
    )
    web_event_count: T.LongType() = pa.Field(ge=0, description="Web events up to the as-of date.")
    last_web_activity: T.TimestampType() = pa.Field(nullable=True, description="Latest web event (UTC).")
    support_ticket_count: T.LongType() = pa.Field(ge=0, description="Tickets opened up to the as-of date.")
    open_ticket_count: T.LongType() = pa.Field(ge=0, description="Tickets currently open or pending.")
    health_score: T.IntegerType() = pa.Field(
        isin=[100, 80, 60, 40, 30, 20],
        description="100 spend>1000; 80 spend>500; 60 >5 transactions; 40 transaction in last 30 days; "
        "20 >3 open tickets; else 30 (first match wins).",
    )
    as_of_date: T.DateType() = pa.Field(nullable=False, description="The partition date the snapshot is computed for.")

    class Config:
        unique = ["customer_id", "as_of_date"]
