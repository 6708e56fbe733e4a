"""Contract of the silver `fitness_activities` table."""

import pandera.pyspark as pa
import pyspark.sql.types as T

SPORTS = ["running", "cycling", "swimming", "walking", "hiking", "strength"]
HEART_RATE_RANGE = (30, 230)  # beats per minute a wrist sensor can really report


class FitnessActivities(pa.DataFrameModel):
    """One row per recorded activity of a sports watch."""

    activity_id: T.StringType() = pa.Field(
        nullable=False, str_matches=r"^\d{10}$", description="The watch platform's activity id (10 digits)."
    )
    sport: T.StringType() = pa.Field(nullable=True, isin=SPORTS, description="Kind of activity.")
    start_time: T.TimestampType() = pa.Field(
        nullable=True, description="When the activity started (UTC; the export gives local time with its offset)."
    )
    duration_s: T.IntegerType() = pa.Field(
        nullable=True, ge=60, le=86_400, description="Elapsed time in seconds, 1 minute to 24 hours."
    )
    distance_km: T.DecimalType(8, 2) = pa.Field(
        nullable=True, ge=0, le=500, description="Distance in km; empty for indoor activities (strength)."
    )
    avg_heart_rate: T.IntegerType() = pa.Field(
        nullable=True, ge=HEART_RATE_RANGE[0], le=HEART_RATE_RANGE[1], description="Average heart rate (bpm)."
    )
    max_heart_rate: T.IntegerType() = pa.Field(
        nullable=True, ge=HEART_RATE_RANGE[0], le=HEART_RATE_RANGE[1], description="Highest heart rate (bpm)."
    )
    calories: T.IntegerType() = pa.Field(nullable=True, ge=0, le=20_000, description="Energy burned (kcal).")

    class Config:
        unique = ["activity_id"]  # the primary key
