-- The ingest funnel per minute, from the pipeline's own metrics (SELF_METRICS_INTERVAL_MS): events received by the gateway, accepted, refused (reason = the part code's name), and rows landed in ClickHouse (reason = the table). Counts are the delta points of each report, read with FINAL (exact across replays).
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    minute,
    stage,
    reason,
    toUInt64(sum(value)) AS events
FROM
(
    SELECT
        toStartOfMinute(time) AS minute,
        arrayJoin(['received', if(visitParamExtractString(attributes, 'outcome') = 'accepted', 'accepted', 'refused')]) AS stage,
        if(stage = 'received', '', visitParamExtractString(attributes, 'reason')) AS reason,
        value
    FROM metric_points FINAL
    WHERE metric_name = 'gateway_events_total' AND service = 'telemetry-gateway' AND time >= {from:DateTime} AND time < {to:DateTime}
    UNION ALL
    SELECT
        toStartOfMinute(time) AS minute,
        'landed' AS stage,
        visitParamExtractString(attributes, 'table') AS reason,
        value
    FROM metric_points FINAL
    WHERE metric_name = 'consumer_rows_loaded_total' AND service = 'telemetry-consumer' AND time >= {from:DateTime} AND time < {to:DateTime}
)
GROUP BY minute, stage, reason
ORDER BY minute, stage, reason
