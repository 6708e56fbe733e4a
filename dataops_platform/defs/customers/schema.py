"""Contract of the silver `customers` table."""

import pandera.pyspark as pa
import pyspark.sql.types as T

REGIONS = ["north", "south", "east", "west", "central"]
EMAIL_PATTERN = r"^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$"


class Customers(pa.DataFrameModel):
    """One row per customer: identity, contact details and signup facts from the CRM."""

    customer_id: T.StringType() = pa.Field(
        nullable=False, str_matches=r"^C\d{7}$", description="Customer identifier (C + 7 digits)."
    )
    first_name: T.StringType() = pa.Field(nullable=True, description="Given name, trimmed.")
    last_name: T.StringType() = pa.Field(nullable=True, description="Family name, trimmed.")
    email: T.StringType() = pa.Field(
        nullable=True, str_matches=EMAIL_PATTERN, description="Contact email, trimmed and lowercased."
    )
    phone: T.StringType() = pa.Field(nullable=True, description="Contact phone number as given.")
    signup_date: T.DateType() = pa.Field(nullable=True, description="Date the customer signed up.")
    region: T.StringType() = pa.Field(
        nullable=True, isin=REGIONS, description="Signup region (north, south, east, west, central)."
    )
    status: T.StringType() = pa.Field(
        nullable=True, isin=["active", "inactive", "churned"], description="Lifecycle status."
    )
    updated_at: T.TimestampType() = pa.Field(
        nullable=True, description="Last change of the record in the CRM (UTC); latest wins."
    )

    class Config:
        unique = ["customer_id"]  # the primary key
