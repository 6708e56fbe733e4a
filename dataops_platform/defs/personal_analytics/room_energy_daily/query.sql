-- Daily energy use per room against the room's median day of the 30 days before, for the 30
-- days ending on the as-of date (:as_of). Energy readings of the smart plugs are summed per room
-- and day in kWh (Wh readings divided by 1000), exactly, as decimals.
WITH readings AS (
  SELECT
    room,
    to_date(reading_ts) AS energy_date,
    CASE unit WHEN 'Wh' THEN CAST(value AS DECIMAL(18, 1)) / 1000 ELSE CAST(value AS DECIMAL(18, 3)) END AS kwh
  FROM sensor_readings
  WHERE metric = 'energy'
    AND unit IN ('kWh', 'Wh')
    AND value IS NOT NULL
    AND to_date(reading_ts) BETWEEN date_sub(:as_of, 59) AND :as_of
),
daily AS (
  SELECT room, energy_date, CAST(SUM(kwh) AS DECIMAL(12, 3)) AS energy_kwh, COUNT(*) AS readings
  FROM readings
  GROUP BY room, energy_date
),
compared AS (
  SELECT
    room,
    energy_date,
    energy_kwh,
    readings,
    CAST(
      percentile(energy_kwh, 0.5) OVER (
        PARTITION BY room ORDER BY unix_date(energy_date) RANGE BETWEEN 30 PRECEDING AND 1 PRECEDING
      ) AS DECIMAL(12, 4)
    ) AS median_30d_kwh
  FROM daily
)
SELECT
  :as_of AS as_of_date,
  room,
  energy_date,
  energy_kwh,
  readings,
  median_30d_kwh,
  CAST(try_divide(energy_kwh, median_30d_kwh) - 1 AS DECIMAL(10, 4)) AS change_vs_median
FROM compared
WHERE energy_date > date_sub(:as_of, 30)
