-- Events per minute per category in a time window (whole minutes, from the events_rollup_1m rollup; each event once).
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    minute,
    category,
    uniqExactMerge(event_ids) AS events
FROM events_rollup_1m
WHERE minute >= toStartOfMinute({from:DateTime}) AND minute < {to:DateTime}
GROUP BY minute, category
ORDER BY minute, category
