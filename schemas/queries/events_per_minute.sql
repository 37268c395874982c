-- Events per minute per category in a time window.
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    toStartOfMinute(timestamp) AS minute,
    category,
    count() AS events
FROM events FINAL
WHERE timestamp >= {from:DateTime} AND timestamp < {to:DateTime}
GROUP BY minute, category
ORDER BY minute, category
