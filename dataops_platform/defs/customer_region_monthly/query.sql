-- Completed spend per month, signup region and channel, for the three months ending with the
-- as-of date's month (that month to date). :as_of is the as-of date (the partition).
WITH completed AS (
  SELECT
    customer_id,
    trunc(to_date(transaction_ts), 'MM') AS month,
    coalesce(channel, 'unknown') AS channel,
    amount
  FROM transactions
  WHERE status = 'completed'
    AND to_date(transaction_ts) BETWEEN add_months(trunc(:as_of, 'MM'), -2) AND :as_of
),
by_region AS (
  SELECT
    completed.month,
    coalesce(c.region, 'unknown') AS region,
    completed.channel,
    COUNT(*) AS transactions,
    SUM(completed.amount) AS revenue,
    COUNT(DISTINCT completed.customer_id) AS customers
  FROM completed
  LEFT JOIN customers AS c ON completed.customer_id = c.customer_id
  GROUP BY completed.month, coalesce(c.region, 'unknown'), completed.channel
)
SELECT
  :as_of AS as_of_date,
  month,
  region,
  channel,
  transactions,
  revenue,
  customers,
  revenue / transactions AS average_ticket,
  try_divide(revenue, SUM(revenue) OVER (PARTITION BY month, region)) AS channel_share
FROM by_region
