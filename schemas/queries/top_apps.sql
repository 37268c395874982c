-- Apps by events in a time window, with their last event time.
-- @param from DateTime -24h
-- @param to DateTime now
-- @param limit UInt32 50
SELECT
    app_id,
    count() AS events,
    max(timestamp) AS last_event
FROM events FINAL
WHERE timestamp >= {from:DateTime} AND timestamp < {to:DateTime}
GROUP BY app_id
ORDER BY events DESC, app_id
LIMIT {limit:UInt32}
