-- Countries with the most events (and distinct devices; events without device_id count no device) in a time window (whole minutes, from the events_rollup_1m rollup); '' is "no location".
-- @param from DateTime -24h
-- @param to DateTime now
-- @param limit UInt32 20
SELECT
    country,
    uniqExactMerge(event_ids) AS events,
    uniqExactIfMerge(device_ids) AS devices,
    uniqExact(app_id) AS apps
FROM events_rollup_1m
WHERE minute >= toStartOfMinute({from:DateTime}) AND minute < {to:DateTime}
GROUP BY country
ORDER BY events DESC, country
LIMIT {limit:UInt32}
