-- All spans of one trace, in start order, from the trace lookup table; `npm run query -- trace` prints them as an indented tree with durations and status.
-- @param trace_id String
SELECT
    span_id,
    parent_span_id,
    service,
    name,
    kind,
    start_time_unix_nano,
    duration_ns,
    round(duration_ns / 1000000, 3) AS duration_ms,
    status_code,
    status_message
FROM spans_by_trace FINAL
WHERE trace_id = {trace_id:String}
ORDER BY start_time_unix_nano, span_id
