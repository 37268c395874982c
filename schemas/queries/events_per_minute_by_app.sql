-- Events per minute per app, for the 8 apps with the most events in the window.
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    toStartOfMinute(timestamp) AS minute,
    app_id,
    count() AS events
FROM events FINAL
WHERE timestamp >= {from:DateTime} AND timestamp < {to:DateTime}
    -- GLOBAL: on a cluster the top apps are chosen over every shard, not per shard
    AND app_id GLOBAL IN
    (
        SELECT app_id
        FROM events
        WHERE timestamp >= {from:DateTime} AND timestamp < {to:DateTime}
        GROUP BY app_id
        ORDER BY count() DESC, app_id
        LIMIT 8
    )
GROUP BY minute, app_id
ORDER BY minute, app_id
