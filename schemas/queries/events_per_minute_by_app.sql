-- Events per minute per app, for the 8 apps with the most events in the window (whole minutes, from the events_rollup_1m rollup).
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    minute,
    app_id,
    uniqExactMerge(event_ids) AS events
FROM events_rollup_1m
WHERE minute >= toStartOfMinute({from:DateTime}) AND minute < {to:DateTime}
    -- GLOBAL: on a cluster the top apps are chosen over every shard, not per shard
    AND app_id GLOBAL IN
    (
        SELECT app_id
        FROM events_rollup_1m
        WHERE minute >= toStartOfMinute({from:DateTime}) AND minute < {to:DateTime}
        GROUP BY app_id
        ORDER BY uniqExactMerge(event_ids) DESC, app_id
        LIMIT 8
    )
GROUP BY minute, app_id
ORDER BY minute, app_id
