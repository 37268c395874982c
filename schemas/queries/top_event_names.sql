-- The most frequent event names per app in a time window (whole minutes, from the events_rollup_1m rollup).
-- @param from DateTime -24h
-- @param to DateTime now
-- @param limit UInt32 20
SELECT
    app_id,
    name,
    uniqExactMerge(event_ids) AS events,
    minMerge(min_timestamp) AS first_seen,
    maxMerge(max_timestamp) AS last_seen
FROM events_rollup_1m
WHERE minute >= toStartOfMinute({from:DateTime}) AND minute < {to:DateTime}
GROUP BY app_id, name
ORDER BY events DESC, app_id, name
LIMIT {limit:UInt32}
