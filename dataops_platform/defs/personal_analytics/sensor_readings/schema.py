"""Contract of the silver `sensor_readings` table."""

import pandera.pyspark as pa
import pyspark.sql.types as T

ROOMS = ["kitchen", "living_room", "bedroom", "office", "bathroom"]
METRICS = ["energy", "temperature", "humidity"]
UNITS = ["kWh", "Wh", "°C", "°F", "%"]  # energy in kWh or Wh; temperature in °C or °F; humidity in %
DEVICE_PATTERN = r"^(plug|climate)-[a-z_]+-\d{2}$"
SENSOR_ERROR_FLOOR = -60  # below any real reading: hubs report -999 for a failed sensor


class SensorReadings(pa.DataFrameModel):
    """One row per reading of a smart-home device: a metric's value at a time, with its unit."""

    device_id: T.StringType() = pa.Field(
        nullable=False, str_matches=DEVICE_PATTERN, description="Device (kind-room-number, e.g. plug-kitchen-01)."
    )
    metric: T.StringType() = pa.Field(nullable=False, isin=METRICS, description="What the reading measures.")
    reading_ts: T.TimestampType() = pa.Field(nullable=False, description="When the device took the reading (UTC).")
    room: T.StringType() = pa.Field(nullable=True, isin=ROOMS, description="Room the device is in.")
    value: T.DoubleType() = pa.Field(
        nullable=True,
        ge=SENSOR_ERROR_FLOOR,
        le=100_000,
        description="The reading in `unit`: energy used since the previous reading, a temperature or a humidity.",
    )
    unit: T.StringType() = pa.Field(nullable=True, isin=UNITS, description="Unit of `value` (kWh, Wh, °C, °F, %).")

    class Config:
        unique = ["device_id", "metric", "reading_ts"]  # the primary key: a device's metric at a time
