-- Apps by events in a time window, with their last event time (whole minutes, from the events_rollup_1m rollup).
-- @param from DateTime -24h
-- @param to DateTime now
-- @param limit UInt32 50
SELECT
    app_id,
    uniqExactMerge(event_ids) AS events,
    maxMerge(max_timestamp) AS last_event
FROM events_rollup_1m
WHERE minute >= toStartOfMinute({from:DateTime}) AND minute < {to:DateTime}
GROUP BY app_id
ORDER BY events DESC, app_id
LIMIT {limit:UInt32}
