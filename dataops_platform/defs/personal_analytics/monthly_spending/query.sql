-- Spending per month, currency and category for the 12 months ending with the as-of date's
-- month (:as_of; that month to date), with its share of the month's income in the same currency.
-- Debits are negative amounts: spent is their sum as a positive amount, net of refunds.
WITH booked AS (
  SELECT trunc(booking_date, 'MM') AS month, currency, category, amount
  FROM bank_transactions
  WHERE booking_date <= :as_of
    AND booking_date >= add_months(trunc(:as_of, 'MM'), -11)
),
income AS (
  SELECT month, currency, SUM(amount) AS income
  FROM booked
  WHERE category = 'income'
  GROUP BY month, currency
),
spending AS (
  SELECT month, currency, category, -SUM(amount) AS spent, COUNT(*) AS bookings
  FROM booked
  WHERE category <> 'income'
  GROUP BY month, currency, category
)
SELECT
  :as_of AS as_of_date,
  spending.month,
  spending.currency,
  spending.category,
  spending.spent,
  spending.bookings,
  income.income,
  CAST(try_divide(spending.spent, income.income) AS DECIMAL(10, 4)) AS share_of_income
FROM spending
LEFT JOIN income ON spending.month = income.month AND spending.currency = income.currency
