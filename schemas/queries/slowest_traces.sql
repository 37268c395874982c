-- The slowest traces of a service in a time window: the service's part of each trace (first span start to last span end), with its spans, errors and first operation.
-- @param service String
-- @param from DateTime -1h
-- @param to DateTime now
-- @param limit UInt32 20
SELECT
    trace_id,
    min(start_time) AS started,
    round((max(end_time_unix_nano) - min(start_time_unix_nano)) / 1000000, 3) AS duration_ms,
    count() AS spans,
    countIf(status_code = 'error') AS errors,
    argMin(name, start_time_unix_nano) AS first_operation
FROM spans FINAL
WHERE service = {service:String} AND start_time >= {from:DateTime} AND start_time < {to:DateTime}
GROUP BY trace_id
ORDER BY duration_ms DESC, trace_id
LIMIT {limit:UInt32}
