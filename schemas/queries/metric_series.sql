-- One metric's time series per service and attribute set, from the per-minute rollup, at a step in seconds (whole minutes, at least 60): point_count, min/max/last of the step (replay-safe) and avg_of_step.
-- @param name String
-- @param service String *
-- @param from DateTime -6h
-- @param to DateTime now
-- @param step UInt32 60
SELECT
    toDateTime(intDiv(toUInt32(minute), greatest(intDiv({step:UInt32}, 60) * 60, 60)) * greatest(intDiv({step:UInt32}, 60) * 60, 60), 'UTC') AS time,
    service,
    attributes,
    metric_type,
    uniqExactMerge(points) AS point_count,
    minMerge(min_value) AS min_of_step,
    maxMerge(max_value) AS max_of_step,
    argMaxMerge(last_value) AS last_of_step,
    round(avgMerge(avg_value), 6) AS avg_of_step
FROM metric_rollup_1m
WHERE metric_name = {name:String} AND ({service:String} = '*' OR service = {service:String}) AND minute >= {from:DateTime} AND minute < {to:DateTime}
GROUP BY time, service, attributes, metric_type
ORDER BY service, attributes, time
