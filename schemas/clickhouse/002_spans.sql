-- Spans (OTLP /v1/traces and /v1/batch category "spans"; later also the pipeline's own spans).
-- Start time is kept to the nanosecond (start_time_unix_nano); start_time (DateTime) partitions and sorts.
-- ReplacingMergeTree keyed by the span's identity (trace_id, span_id at the end of the sorting key): a batch
-- replayed after a consumer crash, or a span the client sent again, collapses to one row under FINAL.
CREATE TABLE IF NOT EXISTS spans
(
    trace_id String,
    span_id String,
    parent_span_id String,
    service String,
    name String,
    kind String,
    start_time DateTime('UTC'),
    start_time_unix_nano UInt64,
    end_time_unix_nano UInt64,
    duration_ns UInt64,
    status_code String,
    status_message String,
    attributes String,
    resource_attributes String,
    events String,
    links String,
    scope_name String,
    scope_version String,
    app_id String,
    backend_id UUID,
    received_at DateTime('UTC'),
    request_id String,
    inserted_at DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(start_time)
ORDER BY (service, name, toStartOfHour(start_time), trace_id, span_id)
-- @shard_key cityHash64(trace_id)
SETTINGS index_granularity = 8192;

-- All spans of one trace id in one place: the same spans sorted by (trace_id, span_id), filled by the
-- materialized view below on every insert into spans. `trace` reads it with FINAL; a lookup is a
-- primary-key range per monthly partition instead of a scan of every service's spans.
CREATE TABLE IF NOT EXISTS spans_by_trace
(
    trace_id String,
    span_id String,
    parent_span_id String,
    service String,
    name String,
    kind String,
    start_time DateTime('UTC'),
    start_time_unix_nano UInt64,
    duration_ns UInt64,
    status_code String,
    status_message String,
    attributes String,
    events String
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(start_time)
ORDER BY (trace_id, span_id)
SETTINGS index_granularity = 1024;

CREATE MATERIALIZED VIEW IF NOT EXISTS spans_by_trace_mv TO spans_by_trace AS
SELECT
    trace_id,
    span_id,
    parent_span_id,
    service,
    name,
    kind,
    start_time,
    start_time_unix_nano,
    duration_ns,
    status_code,
    status_message,
    attributes,
    events
FROM spans;
