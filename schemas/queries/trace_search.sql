-- Spans matching a search, newest first: service and operation (* = any), at least min_duration_ms, errors_only=1 for status error only; each row links to its trace.
-- @param service String *
-- @param operation String *
-- @param min_duration_ms UInt32 0
-- @param errors_only UInt32 0
-- @param from DateTime -1h
-- @param to DateTime now
-- @param limit UInt32 100
SELECT
    start_time,
    trace_id,
    span_id,
    service,
    name,
    kind,
    round(duration_ns / 1000000, 3) AS duration_ms,
    status_code
FROM spans FINAL
WHERE ({service:String} = '*' OR service = {service:String}) AND ({operation:String} = '*' OR name = {operation:String})
    AND duration_ns >= {min_duration_ms:UInt32} * 1000000 AND ({errors_only:UInt32} = 0 OR status_code = 'error')
    AND start_time >= {from:DateTime} AND start_time < {to:DateTime}
ORDER BY start_time DESC, trace_id, span_id
LIMIT {limit:UInt32}
