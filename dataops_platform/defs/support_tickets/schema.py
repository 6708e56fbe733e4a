"""Contract of the silver `support_tickets` table."""

import pandera.pyspark as pa
import pyspark.sql.types as T

TICKET_STATUSES = ["open", "pending", "resolved", "closed"]
PRIORITIES = ["low", "medium", "high", "urgent"]
OPEN_STATUSES = ["open", "pending"]


class SupportTickets(pa.DataFrameModel):
    """One row per support ticket, at its latest known state."""

    ticket_id: T.StringType() = pa.Field(
        nullable=False, str_matches=r"^K\d{8}$", description="Ticket identifier (K + 8 digits)."
    )
    customer_id: T.StringType() = pa.Field(
        nullable=True, str_matches=r"^C\d{7}$", description="Customer who opened it; references customers."
    )
    created_at: T.TimestampType() = pa.Field(nullable=True, description="When the ticket was opened (UTC).")
    updated_at: T.TimestampType() = pa.Field(nullable=True, description="Last change of the ticket (UTC); latest wins.")
    status: T.StringType() = pa.Field(
        nullable=True, isin=TICKET_STATUSES, description="open and pending count as open tickets."
    )
    priority: T.StringType() = pa.Field(nullable=True, isin=PRIORITIES, description="Urgency set by the agent.")
    channel: T.StringType() = pa.Field(
        nullable=True, isin=["email", "phone", "chat"], description="How the customer reached support."
    )
    subject: T.StringType() = pa.Field(nullable=True, description="Ticket subject line.")

    class Config:
        unique = ["ticket_id"]  # the primary key
