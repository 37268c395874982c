-- The most frequent event names per app in a time window.
-- @param from DateTime -24h
-- @param to DateTime now
-- @param limit UInt32 20
SELECT
    app_id,
    name,
    count() AS events,
    min(timestamp) AS first_seen,
    max(timestamp) AS last_seen
FROM events FINAL
WHERE timestamp >= {from:DateTime} AND timestamp < {to:DateTime}
GROUP BY app_id, name
ORDER BY events DESC, app_id, name
LIMIT {limit:UInt32}
