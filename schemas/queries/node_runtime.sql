-- Node runtime per service per step (seconds, whole minutes): event-loop delay p99 (max, ms), V8 heap used (MB, summed over heap spaces), process CPU utilization (%, summed over user/system), from the per-minute rollup of the OpenTelemetry Node runtime metrics nodejs.eventloop.delay.p99 (s), v8js.memory.heap.used (By) and process.cpu.utilization (1).
-- @param service String *
-- @param from DateTime -6h
-- @param to DateTime now
-- @param step UInt32 60
SELECT
    time,
    service,
    round(maxIf(step_max, metric_name = 'nodejs.eventloop.delay.p99') * 1000, 3) AS eventloop_delay_p99_ms,
    round(sumIf(step_last, metric_name = 'v8js.memory.heap.used') / 1048576, 1) AS heap_used_mb,
    round(sumIf(step_last, metric_name = 'process.cpu.utilization') * 100, 1) AS cpu_percent
FROM
(
    SELECT
        toDateTime(intDiv(toUInt32(minute), greatest(intDiv({step:UInt32}, 60) * 60, 60)) * greatest(intDiv({step:UInt32}, 60) * 60, 60), 'UTC') AS time,
        service,
        metric_name,
        attributes,
        maxMerge(max_value) AS step_max,
        argMaxMerge(last_value) AS step_last
    FROM metric_rollup_1m
    WHERE metric_name IN ('nodejs.eventloop.delay.p99', 'v8js.memory.heap.used', 'process.cpu.utilization')
        AND ({service:String} = '*' OR service = {service:String}) AND minute >= {from:DateTime} AND minute < {to:DateTime}
    GROUP BY time, service, metric_name, attributes
)
GROUP BY time, service
ORDER BY service, time
