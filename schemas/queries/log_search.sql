-- Log records, newest first: service (* = any), at least min_severity (0-24), body containing text (* = any, case-insensitive), trace_id (* = any).
-- @param service String *
-- @param min_severity UInt32 0
-- @param text String *
-- @param trace_id String *
-- @param from DateTime -1h
-- @param to DateTime now
-- @param limit UInt32 200
SELECT
    time,
    toString(time_unix_nano) AS time_ns,
    service,
    severity_number,
    severity_text,
    body,
    trace_id,
    span_id,
    attributes,
    backend_id
FROM logs FINAL
WHERE ({service:String} = '*' OR service = {service:String}) AND severity_number >= {min_severity:UInt32}
    AND ({text:String} = '*' OR positionCaseInsensitiveUTF8(body, {text:String}) > 0)
    AND ({trace_id:String} = '*' OR trace_id = {trace_id:String})
    AND time >= {from:DateTime} AND time < {to:DateTime}
ORDER BY time_unix_nano DESC, backend_id
LIMIT {limit:UInt32}
