-- Events per minute per app, for the 8 apps with the most events in the window (whole minutes, from the events_rollup_1m rollup).
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    minute,
    app_id,
    events
FROM
(
    -- one pass over the rollup: an event is in one minute, so an app's events in the window are the sum of its
    -- per-minute counts; the top 8 are chosen from those (on a cluster, after the shards' states are merged)
    SELECT
        app_id,
        groupArray(minute) AS minutes,
        groupArray(events) AS counts,
        sum(events) AS total
    FROM
    (
        SELECT
            minute,
            app_id,
            uniqExactMerge(event_ids) AS events
        FROM events_rollup_1m
        WHERE minute >= toStartOfMinute({from:DateTime}) AND minute < {to:DateTime}
        GROUP BY minute, app_id
    )
    GROUP BY app_id
    ORDER BY total DESC, app_id
    LIMIT 8
)
ARRAY JOIN minutes AS minute, counts AS events
ORDER BY minute, app_id
