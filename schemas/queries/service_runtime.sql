-- The Node runtime of each service per step (seconds): event-loop delay p99 (ms, max over instances), event-loop utilization (%, mean over instances), V8 heap used (MB), CPU (% of the machine), RSS (MB) summed over instances, GC time (ms) in the step; from the OpenTelemetry runtime metrics, the pipeline's own (telemetry-gateway, telemetry-consumer) included.
-- @param service String *
-- @param from DateTime -1h
-- @param to DateTime now
-- @param step UInt32 60
SELECT
    time,
    service,
    round(maxIf(v, metric_name = 'nodejs.eventloop.delay.p99') * 1000, 3) AS eventloop_delay_p99_ms,
    round(avgIf(v, metric_name = 'nodejs.eventloop.utilization') * 100, 1) AS eventloop_utilization_pct,
    round(sumIf(v, metric_name = 'v8js.memory.heap.used') / 1048576, 1) AS heap_used_mb,
    round(sumIf(v, metric_name = 'process.cpu.utilization') * 100, 1) AS cpu_percent,
    round(sumIf(v, metric_name = 'process.memory.usage') / 1048576, 1) AS rss_mb,
    round(sumIf(v, metric_name = 'v8js.gc.duration') * 1000, 1) AS gc_ms
FROM
(
    SELECT
        toDateTime(intDiv(toUInt32(time), greatest({step:UInt32}, 1)) * greatest({step:UInt32}, 1), 'UTC') AS time,
        service,
        metric_name,
        if(metric_name = 'v8js.gc.duration', sum(sum), if(metric_name = 'nodejs.eventloop.delay.p99', max(value), avg(value))) AS v
    FROM metric_points FINAL
    WHERE metric_name IN ('nodejs.eventloop.delay.p99', 'nodejs.eventloop.utilization', 'v8js.memory.heap.used', 'process.cpu.utilization', 'process.memory.usage', 'v8js.gc.duration')
        AND ({service:String} = '*' OR service = {service:String}) AND time >= {from:DateTime} AND time < {to:DateTime}
    GROUP BY time, service, metric_name, attributes, resource_attributes
)
GROUP BY time, service
ORDER BY service, time
