-- Span latency p50/p95/p99 (ms) per service and operation per minute; service * means every service.
-- @param service String *
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    minute,
    service,
    operation,
    spans,
    round(q[1], 3) AS p50_ms,
    round(q[2], 3) AS p95_ms,
    round(q[3], 3) AS p99_ms
FROM
(
    SELECT
        toStartOfMinute(start_time) AS minute,
        service,
        name AS operation,
        count() AS spans,
        quantiles(0.5, 0.95, 0.99)(duration_ns / 1000000) AS q
    FROM spans FINAL
    WHERE ({service:String} = '*' OR service = {service:String}) AND start_time >= {from:DateTime} AND start_time < {to:DateTime}
    GROUP BY minute, service, operation
)
ORDER BY minute, service, operation
