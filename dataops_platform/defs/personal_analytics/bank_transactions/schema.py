"""Contract of the silver `bank_transactions` table."""

import pandera.pyspark as pa
import pyspark.sql.types as T

CURRENCIES = ["EUR", "USD", "GBP", "CHF"]
CATEGORIES = [
    "groceries",
    "restaurants",
    "transport",
    "housing",
    "utilities",
    "shopping",
    "health",
    "leisure",
    "income",
]
INCOME = "income"  # the category of credits that count as income


class BankTransactions(pa.DataFrameModel):
    """One row per booking on the current account: debits negative, credits positive."""

    transaction_ref: T.StringType() = pa.Field(
        nullable=False, str_matches=r"^\d{14}$", description="The bank's booking reference (14 digits)."
    )
    booking_date: T.DateType() = pa.Field(nullable=True, description="Day the bank booked the transaction.")
    amount: T.DecimalType(18, 2) = pa.Field(
        nullable=True, ge=-1_000_000, le=1_000_000, description="Signed amount: negative = debit, positive = credit."
    )
    currency: T.StringType() = pa.Field(nullable=True, isin=CURRENCIES, description="ISO 4217 currency code.")
    merchant: T.StringType() = pa.Field(nullable=True, description="Counterparty as the bank names it.")
    category: T.StringType() = pa.Field(
        nullable=True, isin=CATEGORIES, description="The bank's spending category; `income` for salary and refunds."
    )

    class Config:
        unique = ["transaction_ref"]  # the primary key
