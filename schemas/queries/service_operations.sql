-- Rate, errors and latency p50/p95/p99 (ms) per service and operation over a time window, from spans; service * means every service.
-- @param service String *
-- @param from DateTime -1h
-- @param to DateTime now
SELECT
    service,
    operation,
    spans,
    round(spans / greatest(toUInt32({to:DateTime}) - toUInt32({from:DateTime}), 1), 3) AS per_second,
    errors,
    round(errors / spans, 4) AS error_rate,
    round(q[1], 3) AS p50_ms,
    round(q[2], 3) AS p95_ms,
    round(q[3], 3) AS p99_ms
FROM
(
    SELECT
        service,
        name AS operation,
        count() AS spans,
        countIf(status_code = 'error') AS errors,
        quantiles(0.5, 0.95, 0.99)(duration_ns / 1000000) AS q
    FROM spans FINAL
    WHERE ({service:String} = '*' OR service = {service:String}) AND start_time >= {from:DateTime} AND start_time < {to:DateTime}
    GROUP BY service, operation
)
ORDER BY service, operation
