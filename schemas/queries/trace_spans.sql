-- Every span of one trace with its attributes, events, links and resource, in start order (the console's waterfall); from/to bound the scan.
-- @param trace_id String
-- @param from DateTime -7d
-- @param to DateTime now
SELECT
    span_id,
    parent_span_id,
    service,
    name,
    kind,
    toString(start_time_unix_nano) AS start_ns,
    toString(duration_ns) AS duration_ns,
    status_code,
    status_message,
    attributes,
    resource_attributes,
    events,
    links
FROM spans FINAL
WHERE trace_id = {trace_id:String} AND start_time >= {from:DateTime} AND start_time < {to:DateTime}
ORDER BY start_time_unix_nano, span_id
