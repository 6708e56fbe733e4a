"""Contract of the silver `web_events` table."""

import pandera.pyspark as pa
import pyspark.sql.types as T

EVENT_TYPES = ["page_view", "click", "add_to_cart", "checkout", "login", "search"]
DEVICES = ["desktop", "mobile", "tablet"]


class WebEvents(pa.DataFrameModel):
    """One row per clickstream event from the website and apps."""

    event_id: T.StringType() = pa.Field(
        nullable=False, str_matches=r"^E\d{10}$", description="Event identifier (E + 10 digits)."
    )
    customer_id: T.StringType() = pa.Field(
        nullable=True, str_matches=r"^C\d{7}$", description="Signed-in customer; references customers."
    )
    session_id: T.StringType() = pa.Field(nullable=True, description="Browser or app session.")
    event_ts: T.TimestampType() = pa.Field(nullable=True, description="When the event happened (UTC).")
    event_type: T.StringType() = pa.Field(nullable=True, isin=EVENT_TYPES, description="Kind of interaction.")
    page: T.StringType() = pa.Field(nullable=True, description="Page path or app screen.")
    device: T.StringType() = pa.Field(nullable=True, isin=DEVICES, description="Device class.")

    class Config:
        unique = ["event_id"]  # the primary key
